"""Random inspections API at /api/inspections/ (issue 22): set-up, draws, execution and results."""

from ninja import Router

from . import api_draws, api_results, api_setup

router = Router(tags=["双随机抽查"])
router.add_router("", api_setup.router)
router.add_router("", api_draws.router)
router.add_router("", api_results.router)
