// tests/kube/validate.js - validate Kubernetes documents offline against the API schema.
//
//   node tests/kube/validate.js NODE_DIR FILE|-
//
// NODE_DIR is where scripts/deps.sh installed kubernetes-models and yaml (build/node); the
// modules are ES modules, imported by path.
// Every document of the YAML stream must be a v1 Pod (or a v1 List of them) that
// kubernetes-models accepts: `new Pod(doc).validate()` throws on a schema violation. Prints
// "valid Pod NAME" per Pod; on the first violation prints it and exits 1.
"use strict";
const fs = require("fs");
const path = require("path");

async function main() {
	const dir = path.resolve(process.argv[2], "node_modules");
	const YAML = require(path.join(dir, "yaml"));
	const { Pod } = await import(path.join(dir, "kubernetes-models/v1/index.js"));
	const file = process.argv[3] || "-";
	const text = fs.readFileSync(file === "-" ? 0 : file, "utf8");
	let n = 0;

	function check(doc, where) {
		if (!doc || doc.apiVersion !== "v1" || doc.kind !== "Pod")
			throw new Error(`${where}: not a v1 Pod`);
		new Pod(doc).validate();
		console.log(`valid Pod ${doc.metadata.name}`);
		n++;
	}

	YAML.parseAllDocuments(text).forEach((d, i) => {
		if (d.errors.length)
			throw new Error(`document ${i}: ${d.errors[0].message}`);
		const doc = d.toJS();
		if (doc && doc.kind === "List")
			doc.items.forEach((p, j) => check(p, `document ${i} item ${j}`));
		else
			check(doc, `document ${i}`);
	});
	if (n === 0)
		throw new Error("no Pod");
}

main().catch((e) => {
	console.log(`invalid: ${e.message.split("\n")[0]}`);
	process.exit(1);
});
