"""Placeholder: to be written."""

from flask import Blueprint

SERVICE = "resource-controller"
blueprint = Blueprint("resource_controller", __name__)
