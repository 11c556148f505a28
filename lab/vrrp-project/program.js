// The compiled lab program (npm run build): lab/vrrpProgram.ts.
require("../../dist/lab/vrrpProgram.js");
