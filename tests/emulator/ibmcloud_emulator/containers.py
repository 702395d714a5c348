"""Placeholder: to be written."""

from flask import Blueprint

SERVICE = "containers-kubernetes"
blueprint = Blueprint("containers", __name__)
