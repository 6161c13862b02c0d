"""Tools, above the stacks: the offline runner (mock engine, plan, engine rules, diff), the policy
runner, stack selection and deployment (`dbaas stacks`, `dbaas up`), Kubernetes schema and CEL
validation, and the control-plane database commands. The API and the CLI stand on them."""
