"""Console users (admins only): the list, adding one, and each user's lifecycle."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from gateway.console import accounts
from gateway.console.auth import current_user, require
from gateway.console.filters import digits
from gateway.console.i18n import add_strings, t
from gateway.console.roles import FORM_ORDER, USERS
from gateway.platform import services
from gateway.store.models import User
from gateway.store.registry import associations
from gateway.store.users import list_users

bp = Blueprint("console_users", __name__, url_prefix="/console/users")
NAV = [("/console/users", "nav.users", USERS)]
add_strings(
    {
        "users.title": ("کاربران کنسول", "Console users"),
        "users.add": ("افزودن کاربر", "Add a user"),
        "users.role": ("نقش", "Role"),
        "users.choose": ("انتخاب کنید", "Choose"),
        "users.association_hint": (
            "فقط برای کارشناس کانون؛ نقش‌های دیگر کانون ندارند.",
            "Only for association staff; other roles have none.",
        ),
        "users.created": (
            "کاربر {name} ساخته شد؛ در نخستین ورود گذرواژه‌اش را عوض می‌کند.",
            "User {name} created; they choose their own password at first sign-in.",
        ),
        "users.bad.username": (
            "نام کاربری تکراری یا نادرست است (۱ تا ۶۴ حرف لاتین، رقم، . _ - @).",
            "Username taken or invalid (1-64 letters, digits, . _ - @).",
        ),
        "users.bad.role": ("نقش نادرست است.", "Unknown role."),
        "users.bad.password": (
            "گذرواژه دست‌کم {n} نویسه باشد.",
            "Use at least {n} characters for the password.",
        ),
        "users.bad.association": (
            "کارشناس کانون باید کانون داشته باشد و نقش‌های دیگر کانون ندارند.",
            "Association staff need an association; other roles have none.",
        ),
        "users.bad.unknown_association": ("این کانون وجود ندارد.", "No such association."),
        "users.mismatch": ("دو گذرواژه یکی نیستند.", "The two passwords differ."),
        "users.repeat": ("تکرار گذرواژه", "Password again"),
        "users.last_sign_in": ("آخرین ورود", "Last sign-in"),
        "users.state": ("وضعیت", "State"),
        "users.active": ("فعال", "active"),
        "users.disabled": ("غیرفعال", "disabled"),
        "users.must_change": ("باید گذرواژه را عوض کند", "must change password"),
        "users.edit": ("ویرایش", "Edit"),
        "users.edit_title": ("کاربر {name}", "User {name}"),
        "users.save_role": ("ذخیرهٔ نقش", "Save role"),
        "users.role_saved": ("نقش ذخیره شد.", "Role saved."),
        "users.unchanged": ("چیزی تغییر نکرد.", "Nothing changed."),
        "users.reset": ("گذاشتن گذرواژهٔ موقت", "Set a temporary password"),
        "users.reset_hint": (
            "کاربر در ورود بعدی باید آن را عوض کند.",
            "The user must change it at their next sign-in.",
        ),
        "users.reset_done": ("گذرواژهٔ موقت گذاشته شد.", "Temporary password set."),
        "users.disable": ("غیرفعال کردن", "Disable"),
        "users.enable": ("فعال کردن دوباره", "Enable again"),
        "users.disabled_done": (
            "کاربر غیرفعال شد و از کنسول بیرون رفت.",
            "User disabled and signed out.",
        ),
        "users.enabled_done": ("کاربر دوباره فعال شد.", "User enabled again."),
        "users.not_self": (
            "نقش یا وضعیت حساب خودتان را نمی‌توانید تغییر دهید.",
            "You cannot change your own role or disable yourself.",
        ),
        "users.never": ("هرگز", "never"),
    }
)


def _form_page(template: str, status: int = 200, **context):
    session = services.request_session()
    page = render_template(
        template,
        associations=associations(session),
        roles=FORM_ORDER,
        form=request.form,
        **context,
    )
    return page, status


def _message(exc: accounts.UserError) -> str:
    return t(f"users.bad.{exc.field}", n=digits(accounts.MIN_PASSWORD))


@bp.get("")
@require(USERS)
def index():
    return _form_page("console/users.html", users=list_users(services.request_session()))


@bp.post("")
@require(USERS)
def create():
    """Add a user with the same checks as `smsgw users create` (audited)."""
    form = request.form
    users = list_users(services.request_session())
    if form.get("password", "") != form.get("password2", ""):
        return _form_page("console/users.html", 400, users=users, error=t("users.mismatch"))
    try:
        with services.database().session(write=True) as session:
            user = accounts.create_user(
                session, form.get("username", ""), form.get("role", ""),
                form.get("association"), form.get("password", ""), current_user().username,
                must_change_password=True,
            )  # fmt: skip
    except accounts.UserError as exc:
        return _form_page("console/users.html", 400, users=users, error=_message(exc))
    flash(t("users.created", name=user.username), "ok")
    return redirect(url_for(".index"))


def _user(user_id: int, session) -> User:
    user = session.get(User, user_id)
    if user is None:
        abort(404)
    return user


@bp.get("/<int(max=2147483647):user_id>")
@require(USERS)
def edit(user_id: int):
    user = _user(user_id, services.request_session())
    return _form_page("console/user.html", user=user, is_self=user.id == current_user().id)


@bp.post("/<int(max=2147483647):user_id>/<action>")
@require(USERS)
def change(user_id: int, action: str):
    """role / password / disable / enable one user (audited); never one's own role or state."""
    if action not in ("role", "password", "disable", "enable"):
        abort(404)
    form, actor = request.form, current_user().username
    with services.database().session(write=True) as session:
        user = _user(user_id, session)
        if action != "password" and user.id == current_user().id:
            flash(t("users.not_self"), "error")
            return redirect(url_for(".edit", user_id=user_id))
        try:
            if action == "role":
                changed = accounts.change_role(
                    session, user, form.get("role", ""), form.get("association"), actor
                )
                message = "users.role_saved" if changed else "users.unchanged"
            elif action == "password":
                if form.get("password", "") != form.get("password2", ""):
                    raise accounts.UserError("mismatch", "")
                accounts.reset_password(session, user, form.get("password", ""), actor)
                message = "users.reset_done"
            else:
                changed = accounts.set_disabled(session, user, action == "disable", actor)
                message = f"users.{action}d_done" if changed else "users.unchanged"
        except accounts.UserError as exc:
            session.rollback()
            key = "users.mismatch" if exc.field == "mismatch" else None
            flash(t(key) if key else _message(exc), "error")
            return redirect(url_for(".edit", user_id=user_id))
    flash(t(message), "ok")
    return redirect(url_for(".edit", user_id=user_id))
