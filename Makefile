# The two entry points: `make lab` (the main job: the local lab, provisioned by a real
# `pulumi up`) and `make test` (every test, the lab end-to-end tests included). Both set up
# what they need first (Debian packages, npm ci, the Pulumi engine built from Go modules).
.PHONY: setup lab lab-down test bench

setup:
	bash scripts/setup.sh

lab: setup
	npm run lab:up

lab-down:
	npm run lab:down

test: setup
	npm test

bench: setup
	npm run bench
