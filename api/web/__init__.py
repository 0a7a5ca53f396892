"""The auditors' and evaluators' web pages: server-rendered, Chinese labels, signed in
with a token, under the same role and division rules as the API."""

from fastapi import APIRouter

from api.web import divisions, households, pages

router = APIRouter()
router.include_router(pages.root)
router.include_router(pages.router)
router.include_router(divisions.router)
router.include_router(households.router)
