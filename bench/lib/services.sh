# Shared by the bench scripts that run the product's own processes (sourced, not run): builds the jars when stale,
# makes a scratch dir ($work) removed on exit with every process in $pids, and starts `cmrwatch broker` on a free
# loopback port ($bootstrap, $broker_pid).
#   bench_setup PATH_UNDER_BENCH_CLASSES    # builds the bench module too when that class dir or file is missing
#   start_broker
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
jar="$root/cli/target/cmrwatch.jar"
work=""
pids=()

bench_setup() {
  "$root/cmrwatch" --version >/dev/null # builds the jars when missing or older than the sources
  if [ ! -e "$root/bench/target/classes/$1" ]; then
    (cd "$root" && mvn -B -q -DskipTests -pl bench -am package)
  fi
  work="$(mktemp -d)"
  trap cleanup EXIT
}

cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}

# Waits for a line starting with $2 in file $1 (up to 120 s) and prints it.
await_line() {
  for _ in $(seq 1 240); do
    if line=$(grep -m1 "^$2" "$1" 2>/dev/null); then echo "$line"; return 0; fi
    sleep 0.5
  done
  echo "no '$2' line in $1 within 120 s:" >&2
  cat "$1" "$1.err" >&2 || true
  return 1
}

start_broker() {
  # shellcheck disable=SC2086
  java ${BROKER_JAVA_OPTS:-} -jar "$jar" broker --port 0 --data-dir "$work/kafka" >"$work/broker" 2>"$work/broker.err" &
  broker_pid=$!
  pids+=("$broker_pid")
  bootstrap=$(await_line "$work/broker" "cmrwatch broker: bootstrap" | sed -E 's/.*bootstrap ([0-9.:]+).*/\1/')
}
