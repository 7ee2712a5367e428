"""The log as C2SP tlog-tiles, public and static: `<prefix>/checkpoint`, `<prefix>/tile/<L>/<N>[.p/<W>]`, and every
verifier key with its validity period (`<prefix>/verifier-keys`). The prefix is `/ledger`, matching the default
checkpoint origin `zhifa.localhost/ledger` (the spec's convention: the origin is the scheme-less prefix).

No login, GET only, no payloads: hashes, the signed checkpoint and public keys. Entry bundles (`tile/entries/…`) are
not served (ledger.tiles explains why). A full tile is served as soon as the sequencer completed it (it can never
change); a partial tile up to the sequenced size; anything beyond is 404.
"""

from django.contrib.auth.decorators import login_not_required
from django.http import HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from zhifa.core.errors import ZhifaError
from zhifa.core.files import file_response

from . import selectors, tiles, verifier_keys
from .tlogtiles import TILE_WIDTH, TileError, parse_tile_path, tile_width, tile_within_bounds

IMMUTABLE = "public, max-age=31536000, immutable"
# A partial tile's bytes never change either, but the spec lets a log drop it once the full tile exists.
PARTIAL = "public, max-age=60"
# The checkpoint changes: the spec asks that it not be cached beyond a few seconds.
MUTABLE = "no-cache"

_TEXT = "text/plain; charset=utf-8"


def _text(message: str, status: int) -> HttpResponse:
    response = HttpResponse(message + "\n", status=status, content_type=_TEXT)
    response["Cache-Control"] = MUTABLE  # a tile missing today exists tomorrow: no CDN may keep the 404
    return response


@login_not_required
@require_GET
def checkpoint(request):
    """The latest signed checkpoint (C2SP tlog-checkpoint in a signed note)."""
    cp = selectors.latest_checkpoint()
    if cp is None:
        return _text("尚未生成签名检查点。", 404)
    response = HttpResponse(cp.note, content_type=_TEXT)
    response["Cache-Control"] = MUTABLE
    return response


@login_not_required
@require_GET
def tile(request, rest: str):
    """One tile: 256 hashes (8 192 bytes) when full, W hashes for `.p/<W>`."""
    if rest.startswith("entries/"):
        return _text("日志条目包不公开：条目内容按其所涉对象的权限查阅；请通过条目接口或案卷包取得叶哈希，再用分片验证。", 404)
    try:
        level, index, width = parse_tile_path("tile/" + rest)
    except TileError:
        return _text("分片路径格式不正确（应为 tile/<层>/<编号>[.p/<宽度>]）。", 400)
    if not tile_within_bounds(level, index, width):  # no tree of 2**63 - 1 leaves has it
        return _text("该分片超出日志范围（部分分片以最新签名检查点为限）。", 404)
    try:
        if width == TILE_WIDTH:
            # A full tile exists once the sequencer completed it, and never changes: served (from the cache, with
            # no query) whether or not a checkpoint covers it yet.
            data = tiles.full_tile(level, index)
        else:
            # A partial tile: any prefix of a tile the sequenced tree reaches (a superset of the spec's "MUST serve"
            # set, the sizes of signed checkpoints). Its bytes are final too. Bounded by the sequenced size, one
            # indexed MAX: latest_checkpoint() re-verifies the newest checkpoint against the tree, ~10 ms at 1 M.
            data = None
            if tile_width(level, index, selectors.tree_size()) >= width:
                data = tiles.tile_data(level, index, width)
    except TileError:
        data = None
    except ZhifaError as exc:
        return _text(exc.message, exc.status)
    if data is None:
        return _text("该分片超出日志范围（部分分片以最新签名检查点为限）。", 404)
    # Through the one file response (nosniff, sandbox CSP, attachment): bytes any cache may keep.
    name = f"tile-{level}-{index}" + ("" if width == TILE_WIDTH else f"-p{width}")
    return file_response(request, data, filename=name, content_type="application/octet-stream", generated=True,
                         cache=IMMUTABLE if width == TILE_WIDTH else PARTIAL)


@login_not_required
@require_GET
def keys(request):
    """Every configured verifier key (never one named only in a database row): validity period, the key it replaced,
    and the signed rotation statement (the `ledger.key_in_use` entry, the first checkpoint covering it that a
    configured key signed, and its inclusion proof)."""
    response = JsonResponse(verifier_keys.key_history(), safe=False, json_dumps_params={"ensure_ascii": False})
    response["Cache-Control"] = MUTABLE
    return response
