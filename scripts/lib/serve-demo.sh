# shellcheck shell=bash
# Starts `$covenant serve --demo` on a free loopback port over a new database in a scratch
# directory, waits until it answers, and sets `port`, `server` (its process id), `db`, `token`
# (the administrator's token it printed) and `scratch`. The caller stops it with `stop_demo`,
# which also removes the scratch directory. Exits with the server's log if it does not start
# within a minute. Arguments, if any, are global options given before `serve` (such as
# `--config FILE`); `demo_port`, when set, is the port to serve on instead of a free one.
serve_demo() {
  port=${demo_port:-$(free_port)}
  scratch=$(mktemp -d)
  db=$scratch/demo.db
  "$covenant" --db "$db" "$@" serve --demo --bind "127.0.0.1:$port" >"$scratch/log" 2>&1 &
  server=$!
  token=""
  for _ in $(seq 1 120); do
    token=$(sed -n 's/^Admin token (shown once): //p' "$scratch/log")
    if [ -n "$token" ] && curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; then
      return 0
    fi
    if ! kill -0 "$server" 2>/dev/null; then
      echo "error: covenant serve --demo stopped:" >&2
      cat "$scratch/log" >&2
      exit 1
    fi
    sleep 0.5
  done
  echo "error: covenant serve --demo did not start within a minute:" >&2
  cat "$scratch/log" >&2
  stop_demo
  exit 1
}

# A port of the loopback interface that is free now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop_demo() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$scratch"
}
