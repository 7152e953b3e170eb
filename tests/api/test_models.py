def test_models_lists_the_shipped_model_with_its_scores(client):
    r = client.get("/v1/models")
    assert r.status_code == 200
    models = {m["name"]: m for m in r.json()["models"]}
    pku = models["pku"]
    assert pku["default"] is True
    assert pku["cell"] == "lstm" and pku["layers"] >= 1 and pku["hidden"] > 0
    assert 0.9 < pku["scores"]["dev"]["f1"] <= 1.0
    assert pku["standard"] == "pku"
    assert 0.9 < pku["scores"]["test"]["f1"] <= 1.0
