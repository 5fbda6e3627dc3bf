#!/usr/bin/env bash
# Coverage-guided fuzzing campaign (issue 18): builds the harness, instruments ConVirt.Core.dll with SharpFuzz,
# makes seed corpora from the shared data and from files the project writes, then runs afl-fuzz on every
# target in turn (ONE fuzzer at a time) for SECONDS_PER_TARGET and prints per target: executions, exec/s,
# corpus paths, edges and findings (crashes + hangs). Needs: Debian afl++ (apt-get install -y afl++) and the
# SharpFuzz instrumentation tool (dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0).
# Usage: bash bench/fuzz/run.sh [SECONDS_PER_TARGET] [TARGET...]   (default 165 s: 19 targets, ~60 minutes with start-up and build)
# Findings land in $FUZZ_OUT/findings/TARGET/default/{crashes,hangs}; replay one with
#   dotnet $FUZZ_OUT/bin/ConVirt.Fuzz.dll replay TARGET FILE
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
seconds="${1:-165}"
shift || true
out="${FUZZ_OUT:-$repo/bench/fuzz/out}"
shared="${CONVIRT_SHARED_DATA:-$repo/../shared/data}"
export PATH="$PATH:$HOME/.dotnet/tools"
command -v afl-fuzz >/dev/null || { echo "afl-fuzz not found: apt-get install -y afl++" >&2; exit 1; }
command -v sharpfuzz >/dev/null || { echo "sharpfuzz not found: dotnet tool install --global SharpFuzz.CommandLine --version 2.3.0" >&2; exit 1; }

mkdir -p "$out"
if [ ! -f "$out/bin/.instrumented" ]; then
  rm -rf "$out/bin"
  dotnet publish "$here/ConVirt.Fuzz/ConVirt.Fuzz.csproj" -c Release -o "$out/bin" --nologo -v q
  sharpfuzz "$out/bin/ConVirt.Core.dll"        # our library only: every parser above lives there
  touch "$out/bin/.instrumented"
fi
harness=(dotnet "$out/bin/ConVirt.Fuzz.dll")
rm -rf "$out/seeds" && "${harness[@]}" seeds "$out/seeds" "$shared"

targets=("$@")
[ ${#targets[@]} -gt 0 ] || mapfile -t targets < <("${harness[@]}" list)

export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_FORKSRV_INIT_TMOUT=120000 AFL_NO_WARN_INSTABILITY=1
export DOTNET_TieredPGO=0 DOTNET_gcServer=0
summary="$out/summary.tsv"
printf 'target\tseconds\texecutions\texec_per_s\tcorpus_paths\tedges\tcrashes\thangs\n' > "$summary"
for t in "${targets[@]}"; do
  rm -rf "$out/findings/$t"
  mkdir -p "$out/findings/$t"
  echo "== $t: ${seconds}s ($(date -u +%H:%M:%S) UTC)"
  # -t 2000: an input running over 2 s is a finding (hang); -m none: .NET reserves far more address space than it uses
  timeout -k 10 $((seconds + 120)) afl-fuzz -i "$out/seeds/$t" -o "$out/findings/$t" -t 2000 -m none -V "$seconds" \
    -- "${harness[@]}" run "$t" > "$out/findings/$t/afl.log" 2>&1 || echo "   afl-fuzz exited $? (see $out/findings/$t/afl.log)"
  stats="$out/findings/$t/default/fuzzer_stats"
  if [ -f "$stats" ]; then
    get() { awk -F' *: *' -v k="$1" '$1==k {print $2}' "$stats"; }
    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$t" "$seconds" "$(get execs_done)" "$(get execs_per_sec)" "$(get corpus_count)" \
      "$(get edges_found)" "$(get saved_crashes)" "$(get saved_hangs)" >> "$summary"
  else
    printf '%s\t%s\t-\t-\t-\t-\t-\t-\n' "$t" "$seconds" >> "$summary"
  fi
  tail -n 1 "$summary"
done
echo
column -t -s $'\t' "$summary"
