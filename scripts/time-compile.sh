#!/usr/bin/env bash
# Compiler/linker launcher that records the CPU time of each step, for docs/BUILD.md:
#   cmake -B build-timing -DCMAKE_CXX_COMPILER_LAUNCHER=$PWD/scripts/time-compile.sh \
#         -DCMAKE_CXX_LINKER_LAUNCHER=$PWD/scripts/time-compile.sh
#   cmake --build build-timing; sort -k2 -nr build-timing/compile-times.tsv | head
# Appends "<user+sys s>\t<user s>\t<sys s>\t<wall s>\t<output>" per step to $DEPTHBIAS_TIME_LOG
# (default: ./compile-times.tsv in the directory the build runs in, i.e. the build tree for Makefiles/Ninja).
# CPU (user+sys) is what to compare on a shared machine; wall depends on the load.
set -u
log=${DEPTHBIAS_TIME_LOG:-$PWD/compile-times.tsv}
out=unknown
prev=
for a in "$@"; do
  [[ $prev == -o ]] && out=$a
  prev=$a
done
tf=$(mktemp)
/usr/bin/time -f '%U %S %e' -o "$tf" "$@"
rc=$?
read -r u s e < "$tf" || true
rm -f "$tf"
printf '%.2f\t%s\t%s\t%s\t%s\n' "$(awk -v u="$u" -v s="$s" 'BEGIN{print u+s}')" "$u" "$s" "$e" "$out" >> "$log"
exit $rc
