"""The auditors' and evaluators' web pages: server-rendered, Chinese labels, signed in
with a token, under the same role and division rules as the API."""

from api.web.pages import router

__all__ = ["router"]
