/** `npm run render -- <stack> <outdir>`: the dry run. Writes what each host would receive; touches no host. */
import * as path from "path";
import { readStackConfig, renderStack, writeRendered } from "./renderStack";

async function main(argv: string[]): Promise<number> {
    const [stack, outdir] = argv;
    if (!stack || !outdir) {
        console.error("usage: npm run render -- <stack> <outdir>   (reads Pulumi.<stack>.yaml)");
        return 2;
    }
    const stackFile = path.resolve(`Pulumi.${stack}.yaml`);
    let raw: Record<string, unknown>;
    try {
        raw = readStackConfig(stackFile);
    } catch (e) {
        console.error(`render: cannot read ${stackFile}: ${(e as Error).message}`);
        return 1;
    }
    const rendered = await renderStack(raw);
    const written = writeRendered(path.resolve(outdir), rendered);
    for (const file of written) console.log(path.join(outdir, file));
    return 0;
}

// No process.exit: the mocked resources settle their promises first, or Pulumi reports leaks.
main(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (e: Error) => {
        console.error(`render: ${e.message}`);
        process.exitCode = 1;
    },
);
