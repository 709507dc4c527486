"""Tests of the gateway deployed as operators deploy it: many nodes, one database and Redis."""
