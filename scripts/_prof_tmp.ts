import * as esbuild from "esbuild";
await esbuild.build({ absWorkingDir: Deno.cwd(), entryPoints: { cli: "src/cli/main.ts" }, outdir: "/tmp/tw17/prof3/dist", bundle: true, splitting: true, format: "esm", platform: "node", target: "node20.16", chunkNames: "chunks/[name]-[hash]", logLevel: "error", banner: { js: 'import { createRequire as __twRequire } from "node:module";\nconst require = __twRequire(import.meta.url);' } });
await esbuild.stop();
