"""`segmenter.process`: process-wide setup (backend caches, usable cores)."""

def test_backend_cache_bound_is_set_but_never_overrides_the_user(monkeypatch):
    import os

    from segmenter.process import ONEDNN_CACHE, bound_backend_caches

    monkeypatch.delenv(ONEDNN_CACHE, raising=False)
    bound_backend_caches()
    assert os.environ[ONEDNN_CACHE] == "16"
    monkeypatch.setenv(ONEDNN_CACHE, "256")
    bound_backend_caches()
    assert os.environ[ONEDNN_CACHE] == "256"


def test_usable_cores_follow_a_container_quota(tmp_path):
    from segmenter.process import usable_cores

    unlimited = usable_cores(tmp_path)  # no cgroup files: the affinity
    (tmp_path / "cpu.max").write_text("150000 100000\n")  # 1.5 CPUs
    assert usable_cores(tmp_path) == min(unlimited, 2)
    (tmp_path / "cpu.max").write_text("50000 100000\n")
    assert usable_cores(tmp_path) == 1
    (tmp_path / "cpu.max").write_text("max 100000\n")
    assert usable_cores(tmp_path) == unlimited
