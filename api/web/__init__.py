"""The auditors' and evaluators' web pages: server-rendered, Chinese labels, signed in
with a token, under the same role and division rules as the API."""

from fastapi import APIRouter

from api.web import pages

router = APIRouter()
router.include_router(pages.root)
router.include_router(pages.router)
