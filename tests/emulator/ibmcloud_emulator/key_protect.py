"""Placeholder: to be written."""

from flask import Blueprint

SERVICE = "key-protect"
blueprint = Blueprint("key_protect", __name__)
