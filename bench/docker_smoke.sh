#!/usr/bin/env bash
# The Docker image, built and run for real (not in CI: it needs a Docker daemon; on these machines
# run ../shared/tools/docker-base.sh first). From the repository root:
#   bash bench/docker_smoke.sh            # IMAGE=segmenter PORT=18765 CLIENTS=20 by default
# Builds the image, runs it on a non-default port (SEGMENTER_PORT), waits for the image's own
# HEALTHCHECK to say `healthy`, segments and tags, then `docker stop`s it (Docker's 10 s) while
# CLIENTS heavy requests are in flight, and checks that every client got an answer (200, or 503
# once the drain ends), that the exit code is 0, that new connections are refused at once, and
# that the log never mentions torch. Prints the timings and the image size; exits 1 on a failure.
set -euo pipefail
cd "$(dirname "$0")/.."
DOCKER=${DOCKER:-/usr/bin/docker}
IMAGE=${IMAGE:-segmenter}
PORT=${PORT:-18765}
CLIENTS=${CLIENTS:-20}
NAME=segmenter-smoke-$$
BASE=http://127.0.0.1:$PORT
fail() { echo "FAIL: $*"; $DOCKER logs "$NAME" 2>&1 | tail -20; $DOCKER rm -f "$NAME" >/dev/null 2>&1 || true; exit 1; }

t0=$(date +%s%N)
DOCKER_BUILDKIT=1 $DOCKER build --network host -q -t "$IMAGE" . >/dev/null
echo "build: $(( ($(date +%s%N) - t0) / 1000000 )) ms"

# the image's HEALTHCHECK, probed every 2 s instead of 30 s so that the wait is short
$DOCKER run -d --name "$NAME" --network host -e SEGMENTER_PORT="$PORT" --health-interval=2s "$IMAGE" >/dev/null
t0=$(date +%s%N)
for _ in $(seq 90); do
  status=$($DOCKER inspect -f '{{.State.Health.Status}}' "$NAME")
  [ "$status" = healthy ] && break
  [ "$($DOCKER inspect -f '{{.State.Running}}' "$NAME")" = true ] || fail "the container stopped"
  sleep 1
done
[ "$status" = healthy ] || fail "not healthy after 90 s on port $PORT (status: $status)"
echo "healthy on port $PORT after $(( ($(date +%s%N) - t0) / 1000000 )) ms"

python3 - "$BASE" "$CLIENTS" "$DOCKER" "$NAME" <<'EOF' || fail "see above"
import json, random, socket, subprocess, sys, threading, time, urllib.error, urllib.request

base, clients, docker, name = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]


def post(path, body, timeout=60):
    req = urllib.request.Request(base + path, json.dumps(body).encode(), {"content-type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read())
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read())


status, body = post("/v1/segment", {"text": "我爱北京天安门。", "model": "multi-fast:weibo"})
assert status == 200 and "".join(t["text"] for t in body["results"][0]["tokens"]) == "我爱北京天安门。", body
status, body = post("/v1/tag", {"text": "今天天气很好"})
assert status == 200 and [c["char"] for c in body["results"][0]["chars"]] == list("今天天气很好"), body
with urllib.request.urlopen(base + "/v1/models", timeout=10) as r:
    served = {m["name"]: (m["runtime"], m["precision"]) for m in json.loads(r.read())["models"]}
assert served["multi-fast"] == ("native", "int8"), served  # the image built the kernel
print("segment and tag: ok; multi-fast runs", served["multi-fast"])

# CLIENTS requests of 95,000 characters each (within max_request_chars), all in flight at the stop;
# every sentence different (drawn from the characters of a few sentences), so no cache helps
random.seed(0)
chars = list(set("中华人民共和国成立以来我们在经济建设和社会发展方面取得了巨大的成就今天天气很好明天见北京上海学校老师学生"))


def heavy():
    sentences = ("".join(random.choices(chars, k=random.randint(8, 30))) + "。" for _ in range(10_000))
    text = "".join(sentences)
    return {"texts": [text[i * 19_000:(i + 1) * 19_000] for i in range(5)]}


bodies = [heavy() for _ in range(clients)]
answers = []


def one(body):
    try:
        answers.append(post("/v1/segment", body)[0])
    except OSError as e:  # a reset or a closed connection: an answer lost
        answers.append(repr(e))


threads = [threading.Thread(target=one, args=(b,)) for b in bodies]
for t in threads:
    t.start()
time.sleep(1.0)
t0 = time.monotonic()
stop = subprocess.Popen([docker, "stop", name], stdout=subprocess.DEVNULL)  # Docker's default: SIGTERM, SIGKILL 10 s later
time.sleep(0.5)
try:
    socket.create_connection(("127.0.0.1", int(base.rsplit(":", 1)[1])), timeout=2).close()
    refused = False
except OSError:
    refused = True
for t in threads:
    t.join(timeout=60)
stop.wait(timeout=60)
took = time.monotonic() - t0
code = int(subprocess.run([docker, "inspect", "-f", "{{.State.ExitCode}}", name], capture_output=True,
                          text=True).stdout)
log = subprocess.run([docker, "logs", name], capture_output=True, text=True)
log = log.stdout + log.stderr
counts = {a: answers.count(a) for a in set(answers)}
print(f"docker stop under load: {clients} heavy requests in flight -> answers {counts}, "
      f"stopped in {took:.1f} s, exit code {code}, new connection refused during the drain: {refused}")
assert len(answers) == clients and set(answers) <= {200, 503}, answers
assert code == 0 and took < 10 and refused, (code, took, refused)
assert "torch" not in log.lower() and "Traceback" not in log, log[-2000:]
EOF

$DOCKER rm "$NAME" >/dev/null
echo "image $IMAGE: $(( $($DOCKER image inspect "$IMAGE" --format '{{.Size}}') / 1000000 )) MB"
