# shellcheck shell=bash
# What the HTTP load scripts (bench-http, soak) share: a database holding the seed stories and
# commitments to report progress on, tokens, and `covenant serve` on a free loopback
# port. Source it after setting `covenant` (the binary) and `work` (a scratch directory).

# Writes COUNT commitments, made in April 2025 towards the Homes for Independence Blueprint and
# led by the partners that adopted it, to $work/commitments.jsonl, as place-action-00000 onwards.
demo_commitments() {
  local count=$1 n
  local leads=(GB-LAE-WLI GB-LAE-LIN GB-NHS-QJM)
  for ((n = 0; n < count; n++)); do
    printf '{"aggregate":"commitment","command":"make","id":"place-action-%05d","title":"Neighbourhood adaptations action %d","organisation":"%s","lead":"Housing Services Manager","towards":{"instrument":"lincolnshire-homes-for-independence-blueprint","objective":"plan-ahead"},"due_on":"2026-03-31","made_on":"2025-04-01"}\n' \
      "$n" "$n" "${leads[n % 3]}"
  done > "$work/commitments.jsonl"
}

# Loads the seed stories and $work/commitments.jsonl into the database at DB.
demo_database() {
  "$covenant" --db "$1" demo > /dev/null
  "$covenant" --db "$1" record --file "$work/commitments.jsonl" --actor "Bench secretariat" > /dev/null
}

# Prints a new token for ROLE, held by NAME, on the database at DB.
demo_token() {
  "$covenant" --db "$1" token create --role "$2" --name "$3" | sed -n 2p
}

# Starts `covenant serve` on the database at DB on a free loopback port, in the background; sets
# `server` to its process id and `address` to its URL once it is ready.
demo_serve() {
  "$covenant" --db "$1" serve --bind 127.0.0.1:0 > "$work/serve.out" 2> "$work/serve.err" &
  server=$!
  address=""
  for _ in $(seq 100); do
    address=$(sed -n 's/^Covenant is serving .* at //p' "$work/serve.out")
    [ -n "$address" ] && break
    sleep 0.1
  done
  [ -n "$address" ] || { echo "error: the server did not start" >&2; cat "$work/serve.err" >&2; exit 1; }
  curl -fsS "$address/readyz" > /dev/null
}
