from segmenter import DEFAULT_MODEL


def test_models_lists_the_shipped_model_with_its_scores(client):
    r = client.get("/v1/models")
    assert r.status_code == 200
    models = {m["name"]: m for m in r.json()["models"]}
    multi = models[DEFAULT_MODEL]  # a multi-standard model
    assert multi["default"] is True
    assert multi["cell"] == "lstm" and multi["layers"] >= 1 and multi["hidden"] > 0
    assert multi["standard"] == "pku" and multi["standards"][0] == "pku" and "ctb6" in multi["standards"]
    assert {"pku", "ctb6", "weibo", DEFAULT_MODEL} <= set(multi["names"])
    assert 0.9 < multi["scores"]["dev"]["f1"] <= 1.0
    assert all(0.85 < s["f1"] <= 1.0 for s in multi["scores"]["dev_by_standard"].values())
    # each corpus's dev set read in the mixed standard: on the whole below the sets' own standards
    # (not on every set: the 95 sentences of WTB read in mixed score above its own standard)
    mixed = multi["scores"]["dev_mixed_by_standard"]
    own = multi["scores"]["dev_by_standard"]
    assert set(mixed) == set(multi["standards"]) - {"mixed"} == set(own)
    assert all(0.7 < mixed[k]["f1"] <= 1.0 for k in mixed)
    assert sum(mixed[k]["f1"] for k in mixed) < sum(own[k]["f1"] for k in mixed) - 0.1
    assert 0.9 < multi["scores"]["test"]["f1"] <= 1.0
    assert (multi["precision"], multi["runtime"]) == ("int8", "native")  # precision "auto": int8 on the kernel


def test_the_precision_setting_reaches_the_model():
    from tests.api.conftest import make_client

    with make_client(precision="bf16") as c:
        (multi,) = [m for m in c.get("/v1/models").json()["models"] if m["name"] == DEFAULT_MODEL]
        assert multi["precision"] == "bf16"
        tokens = c.post("/v1/segment", json={"text": "我爱北京天安门。"}).json()["results"][0]["tokens"]
        assert "".join(t["text"] for t in tokens) == "我爱北京天安门。"


def test_a_request_can_choose_the_fast_model(client):
    models = {m["name"]: m for m in client.get("/v1/models").json()["models"]}
    assert models["pku-fast"]["default"] is False and models["pku-fast"]["layers"] == 1
    r = client.post("/v1/segment", json={"texts": ["我爱北京天安门。", ""], "model": "pku-fast"})
    assert r.status_code == 200 and r.json()["model"] == "pku-fast"
    assert [t["text"] for t in r.json()["results"][0]["tokens"]] == ["我", "爱", "北京", "天安门", "。"]
    assert r.json()["results"][1]["tokens"] == []


def test_requests_choose_a_segmentation_standard_by_name(client):
    text = "国家主席江泽民发表新年讲话"
    got = {}
    for name in ("pku", "ctb6", "weibo"):
        r = client.post("/v1/segment", json={"text": text, "model": name})
        assert r.status_code == 200 and r.json()["model"] == name
        got[name] = [t["text"] for t in r.json()["results"][0]["tokens"]]
        assert "".join(got[name]) == text
    assert "江泽民" in got["ctb6"] and "江泽民" not in got["pku"]  # CTB keeps names whole, PKU splits them
    models = {m["name"]: m for m in client.get("/v1/models").json()["models"]}
    assert set(models) == {"multi", "multi-fast", "pku-fast"}  # three standards, one model in memory
    ctb6_pos = client.post("/v1/segment", json={"text": text, "model": "ctb6", "pos": True}).json()
    assert all(t["pos"] for t in ctb6_pos["results"][0]["tokens"])  # parts of speech in every standard


def test_the_default_model_tags_parts_of_speech(client):
    r = client.post("/v1/segment", json={"text": "我爱北京天安门。", "pos": True})
    assert [(t["text"], t["pos"]) for t in r.json()["results"][0]["tokens"]][2:4] == [("北京", "ns"), ("天安门", "ns")]


def test_standards_of_one_model_file_by_name_and_by_parameter(tiny_multi_models_dir):
    from segmenter import Segmenter
    from tests.api.conftest import assert_error, make_client

    texts = ["中国人民银行今天发布了新的货币政策。", "他们在北京参加国际会议。"]
    lib = Segmenter.load("multi", models_dir=tiny_multi_models_dir)
    with make_client(models_dir=tiny_multi_models_dir, default_model="multi") as c:
        (info,) = c.get("/v1/models").json()["models"]
        assert info["standards"] == ["pku", "chars"] and info["standard"] == "pku"
        assert info["names"] == ["chars", "multi", "pku"]
        assert set(info["scores"]["dev_by_standard"]) == {"pku", "chars"}
        for standard in ("pku", "chars"):
            want = [[w for w in words] for words in lib.cut_batch(texts, standard=standard)]
            for body in ({"model": standard}, {"standard": standard}, {"model": "multi", "standard": standard}):
                r = c.post("/v1/segment", json={"texts": texts, **body})
                assert r.status_code == 200, r.text
                assert r.json()["standard"] == standard
                assert [[t["text"] for t in res["tokens"]] for res in r.json()["results"]] == want
        err = assert_error(c.post("/v1/segment", json={"text": texts[0], "standard": "msr"}), 422, "invalid_input",
                           "no standard 'msr'", "pku, chars")
        assert err
        assert_error(c.post("/v1/segment", json={"text": texts[0], "model": ""}), 422, "validation_error")
        ready = c.get("/readyz").json()
        assert ready["models"] == ["multi"]  # two standards, one model in memory


def test_model_colon_standard_names_a_standard_of_a_served_model(client):
    text = "国家主席江泽民发表新年讲话"
    for model, standard in (("multi-fast", "weibo"), ("multi", "ctb6"), ("multi-fast", "ctb6")):
        by_pair = client.post("/v1/segment", json={"text": text, "model": f"{model}:{standard}"})
        assert by_pair.status_code == 200, by_pair.text
        assert by_pair.json()["model"] == f"{model}:{standard}" and by_pair.json()["standard"] == standard
        by_field = client.post("/v1/segment", json={"text": text, "model": model, "standard": standard}).json()
        assert by_pair.json()["results"] == by_field["results"]
    ctb6 = client.post("/v1/tag", json={"text": text, "model": "multi-fast:ctb6"})
    assert ctb6.status_code == 200 and ctb6.json()["standard"] == "ctb6"


def test_model_colon_standard_refuses_unknown_parts(client):
    from tests.api.conftest import assert_error

    assert_error(client.post("/v1/segment", json={"text": "a", "model": "multi-fast:msr"}), 422, "invalid_input",
                 "msr")
    assert_error(client.post("/v1/segment", json={"text": "a", "model": "nope:pku"}), 404, "unknown_model",
                 "nope:pku", "MODEL:STANDARD")
    assert_error(client.post("/v1/segment", json={"text": "a", "model": "pku:ctb6"}), 404, "unknown_model")
    assert_error(client.post("/v1/segment", json={"text": "a", "model": "multi-fast:"}), 404, "unknown_model")
