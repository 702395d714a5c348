"""Placeholder: to be written."""

from flask import Blueprint

SERVICE = "iam-identity"
blueprint = Blueprint("iam_identity", __name__)
