// pnpm hooks. `beforePacking` shapes the package.json that `pnpm pack` / `pnpm publish` write into a
// tarball (the package.json on disk is unchanged), so development-only wiring never ships:
// - the `@dl/source` export condition (it points at ./src/*.ts, which is not in the tarball: a
//   consumer who sets that condition would get ERR_MODULE_NOT_FOUND);
// - devDependencies (they name private workspace packages such as @dl/fixtures) and scripts
//   (build/typecheck commands of this repository).
// tooling/pack checks the packed package.json of every published package against these rules.
'use strict';

/** A copy of an `exports` value without the `@dl/source` condition, at any depth. */
function withoutSourceCondition(value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const out = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key !== '@dl/source') out[key] = withoutSourceCondition(inner);
  }
  return out;
}

module.exports = {
  hooks: {
    beforePacking(pkg) {
      if (pkg.exports !== undefined) pkg.exports = withoutSourceCondition(pkg.exports);
      delete pkg.devDependencies;
      delete pkg.scripts;
      return pkg;
    },
  },
};
