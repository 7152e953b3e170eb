from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from ..deps import StateDep
from ..schemas import ModelInfo, ModelsResponse, error_responses

router = APIRouter()


@router.get("/v1/models", response_model=ModelsResponse, responses=error_responses(401))
async def models(state: StateDep) -> ModelsResponse:
    """The models this server serves, with the scores recorded in their model files."""
    out = []
    default_key = state.names[state.settings.default_model][0]
    for name, seg in sorted(state.models.items()):
        meta = seg.meta
        scores: dict[str, Any] = {k: meta[k] for k in ("dev", "dev_pos", "dev_by_standard", "dev_mixed_by_standard",
                                                      "test", "test_by_standard") if k in meta}
        aliases = sorted(n for n, (key, _) in state.names.items() if key == name)
        out.append(ModelInfo(name=name, default=name == default_key, standard=seg.standard,
                             standards=list(seg.standards), names=aliases,
                             cell=seg.config.cell.value, layers=seg.config.layers, hidden=seg.config.hidden,
                             precision=seg.precision.value, runtime=seg.runtime.value,
                             pos_tagging=seg.pos_tags is not None,
                             pos_tags=list(seg.pos_tags) if seg.pos_tags else None, scores=scores))
    return ModelsResponse(models=out)
