from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from api.deps import StateDep
from api.schemas import ModelInfo, ModelsResponse

router = APIRouter()


@router.get("/v1/models", response_model=ModelsResponse)
async def models(state: StateDep) -> ModelsResponse:
    """The models this server serves, with the scores recorded in their model files."""
    out = []
    for name, seg in sorted(state.models.items()):
        meta = seg.meta
        scores: dict[str, Any] = {k: meta[k] for k in ("dev", "dev_pos", "test") if k in meta}
        out.append(ModelInfo(name=name, default=name == state.settings.default_model, standard=meta.get("standard"),
                             cell=seg.config.cell.value, layers=seg.config.layers, hidden=seg.config.hidden,
                             precision=seg.precision.value, pos_tagging=seg.pos_tags is not None,
                             pos_tags=list(seg.pos_tags) if seg.pos_tags else None, scores=scores))
    return ModelsResponse(models=out)
