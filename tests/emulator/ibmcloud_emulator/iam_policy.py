"""Placeholder: to be written."""

from flask import Blueprint

SERVICE = "iam-access-management"
blueprint = Blueprint("iam_policy", __name__)
