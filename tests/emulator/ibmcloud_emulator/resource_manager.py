"""Placeholder: to be written."""

from flask import Blueprint

SERVICE = "resource-manager"
blueprint = Blueprint("resource_manager", __name__)
