"""Run the real Pulumi program under Pulumi's mock runtime and turn it into a preview-shaped plan."""
