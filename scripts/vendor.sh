#!/usr/bin/env bash
# Re-vendor the front-end libraries the HTML report inlines, from the npm registry.
#
# The report is one self-contained file: every script it needs is copied from
# src/sociable/reports/static/ into a <script> tag, so nothing is fetched when it is opened.
# The vendored files are committed; run this script only to move to new versions, then
# re-run the report tests and commit the changed files together with THIRD_PARTY_NOTICES.txt.
#
# Usage: scripts/vendor.sh            (needs node + npm; touches only the static folder)

set -euo pipefail

# Exact versions, chosen to work together: vega-lite 6.5 needs vega ^6.4; vega-embed 7 takes any.
VEGA=6.4.0
VEGA_LITE=6.5.0
VEGA_EMBED=7.3.0
SIGMA=3.0.3
GRAPHOLOGY=0.26.0

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
STATIC="$HERE/../src/sociable/reports/static"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

cd "$WORK"
echo '{"name": "sociable-report-assets", "private": true}' >package.json
npm install --silent --ignore-scripts --no-audit --no-fund --omit=dev --omit=peer \
    "vega@$VEGA" "vega-lite@$VEGA_LITE" "vega-embed@$VEGA_EMBED" "sigma@$SIGMA" "graphology@$GRAPHOLOGY"
NM="$WORK/node_modules"

# Copy a built file, dropping the trailing source-map comment (the map is not vendored).
vendor() {  # vendor SOURCE TARGET
    sed -e 's|//# sourceMappingURL=[^ ]*$||' "$NM/$1" >"$STATIC/$2"
    echo "vendored $2 ($(wc -c <"$STATIC/$2") bytes)"
}
mkdir -p "$STATIC"
vendor vega/build/vega.min.js vega.min.js
vendor vega-lite/build/vega-lite.min.js vega-lite.min.js
vendor vega-embed/build/vega-embed.min.js vega-embed.min.js
vendor sigma/dist/sigma.min.js sigma.min.js
vendor graphology/dist/graphology.umd.min.js graphology.umd.min.js

# Licence texts of the five packages and of every package npm resolved beneath them (the
# bundles are built from these), grouped so that an identical text is printed once.
node - "$NM" "$STATIC/THIRD_PARTY_NOTICES.txt" <<'JS'
const fs = require("fs"), path = require("path");
const [nm, out] = process.argv.slice(2);
const dirs = [];
for (const name of fs.readdirSync(nm)) {
  if (name.startsWith(".")) continue;
  if (name.startsWith("@")) for (const sub of fs.readdirSync(path.join(nm, name))) dirs.push(`${name}/${sub}`);
  else dirs.push(name);
}
const groups = new Map();
for (const dir of dirs.sort()) {
  const meta = JSON.parse(fs.readFileSync(path.join(nm, dir, "package.json"), "utf8"));
  const file = fs.readdirSync(path.join(nm, dir)).find((f) => /^(licen[cs]e|copying)/i.test(f));
  const text = file ? fs.readFileSync(path.join(nm, dir, file), "utf8").trim() : `(no licence file shipped; package.json says ${meta.license})`;
  const key = `${meta.license}\n${text}`;
  if (!groups.has(key)) groups.set(key, { license: meta.license, text, packages: [] });
  groups.get(key).packages.push(`${meta.name}@${meta.version}`);
}
const top = ["vega", "vega-lite", "vega-embed", "sigma", "graphology"];
const rank = (g) => Math.min(...g.packages.map((p) => { const i = top.indexOf(p.replace(/@[^@]*$/, "")); return i < 0 ? 99 : i; }));
const rule = "-".repeat(72);
let doc = "Third-party software vendored in this folder and inlined into every HTML report:\n" +
  top.map((t) => `  ${t}`).join("\n") + "\n\n" +
  "Below are the licences of these packages and of the packages npm installs beneath them.\n" +
  "The minified browser bundles are built from part of that tree (packages used only by\n" +
  "command-line tools, such as yargs, are listed but not inlined).\n\n";
for (const g of [...groups.values()].sort((a, b) => rank(a) - rank(b))) {
  doc += `${rule}\n${g.license}: ${g.packages.join(", ")}\n${rule}\n\n${g.text}\n\n`;
}
fs.writeFileSync(out, doc);
JS
echo "wrote THIRD_PARTY_NOTICES.txt"
