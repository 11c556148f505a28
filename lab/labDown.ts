/** `npm run lab:down`: `pulumi destroy`, then every lab host, namespace and mount goes away. */
import * as fs from "fs";
import * as path from "path";
import { hosts, hostsOk, LAB_STATE, pulumi, removeStack, STACK_FILE, tail } from "./lab";

async function main(): Promise<void> {
    if (process.getuid?.() !== 0) throw new Error("the lab needs root");
    const running = hosts(["status"]).code === 0 && fs.existsSync(path.join(LAB_STATE, "hosts.json"));
    if (running && fs.existsSync(STACK_FILE)) {
        const destroy = await pulumi(["destroy", "--yes", "--skip-preview"], { echo: true });
        if (destroy.code !== 0) console.error(`lab:down: pulumi destroy failed; removing the hosts anyway:\n${tail(destroy.stderr, 20)}`);
        else console.log(`lab:down: pulumi destroy took ${destroy.seconds.toFixed(1)} s`);
    }
    process.stdout.write(hostsOk(["down"]));
    removeStack();
    fs.rmSync(STACK_FILE, { force: true });
}

main().catch((e: Error) => {
    console.error(`lab:down: ${e.message}`);
    process.exitCode = 1;
});
