"""The Amazon EKS Pod Identity Webhook on an adopted (non-EKS) cluster: what turns a ServiceAccount's
`eks.amazonaws.com/role-arn` annotation into AWS credentials for its pods.

On EKS the control plane runs this webhook; a colocation cluster has none, so without it every IRSA
ServiceAccount (tenant backups and restores, barman-cloud's WAL archive, Kafka Connect, Thanos) gets no
credentials at all. The platform installs it in adopt mode from the vendored upstream `deploy/`
(vendor/provenance.json, aws/amazon-eks-pod-identity-webhook at v0.6.17), object by object, with these
reviewed fixes (`render` applies them; every line is checked by tests/pop/test_pod_identity_webhook.py):

- Namespace: its own platform namespace (upstream: `default`), for objects and RBAC subjects.
- Flags (main.go at v0.6.17): `--in-cluster=false` (line 72: otherwise it asks the certificates API
  for a serving certificate, lines 288-320; we give it files from cert-manager, read by certwatcher at
  line 323 from `--tls-cert`/`--tls-key`, lines 66-67), `--annotation-prefix=eks.amazonaws.com` (line 78;
  components/irsa.py IRSA_ROLE_ANNOTATION), `--token-audience=sts.amazonaws.com` (line 79; the client id
  the IAM OIDC provider trusts, components/irsa.py STS_AUDIENCE), `--sts-regional-endpoint=true`
  (line 83; pkg/handler/handler.go:222-227 injects AWS_STS_REGIONAL_ENDPOINTS=regional, so SDKs call
  sts.<region>.amazonaws.com: af-south-1 is an opt-in region, where tokens from the global endpoint are
  not valid unless the account opts into v2 tokens), `--aws-default-region=<stack region>` (line 82;
  handler.go:230-238 sets AWS_REGION/AWS_DEFAULT_REGION when the container sets neither: a colocation
  node has no instance metadata to find the region in, and without one the regional endpoint cannot be
  chosen), `--port=9443` (line 57, default 443: a non-root process under the restricted Pod Security
  Standard cannot bind a port below 1024; the Service keeps 443), `--service-account-lookup-grace-period`
  (line 97, pkg/handler/handler.go:464-485: operators create a ServiceAccount and its pods back to back; a pod whose
  ServiceAccount is not yet in the webhook's informer cache is admitted unmutated, without credentials
  for its whole life, unless the webhook waits a moment), `--tls-min-version=1.2` (line 69).
- Certificate: upstream's own answer (deploy/deployment-base.yaml, mutatingwebhook.yaml): cert-manager
  issues a self-signed certificate and its cainjector writes it into the webhook configuration's
  caBundle (annotation `cert-manager.io/inject-ca-from`). Upstream's issuer is a ClusterIssuer named
  `selfsigned` (a cluster-wide name it would claim); here it is an Issuer in the webhook's namespace.
  DNS names as main.go:289-296 requests them (upstream's `.svc.local` is no DNS name the API server uses).
- RBAC: upstream's Role on Secrets and its CertificateSigningRequest rule serve `--in-cluster=true`
  only (main.go:288, pkg/cert); they are dropped. ServiceAccounts get/list/watch stay: the informer
  (main.go:141) and the cache's direct lookup (pkg/cache/cache.go:392).
- MutatingWebhookConfiguration: failurePolicy `Fail` (upstream: `Ignore`). A pod admitted while the
  webhook is down runs without credentials until it is recreated (the data paths fail silently);
  refused, its controller retries until the webhook answers. The webhook's own namespace, kube-system
  and the CNI's namespaces are excluded (their pods must start for the webhook to run at all); pods
  labelled `eks.amazonaws.com/skip-pod-identity-webhook` are skipped as upstream.
- Deployment: image pinned to the release tag (upstream: `IMAGE`; .github/workflows/build.yaml:33-39
  pushes tag builds to public.ecr.aws/eks/amazon-eks-pod-identity-webhook:<tag>; upstream publishes no
  digest in the repository, so the tag is the pin), two replicas spread over nodes with a disruption
  budget, the restricted security context, a readiness probe on /healthz (main.go:242), and
  `imagePullPolicy: IfNotPresent` (upstream: Always). Upstream's Service scrape annotations point at the
  TLS port, where no /metrics is served (main.go:247 serves it on `--metrics-port` 9999): dropped.
"""

from __future__ import annotations

import copy
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import yaml

from components.irsa import IRSA_ROLE_ANNOTATION, STS_AUDIENCE
from components.pop.namespaces import PLATFORM_LABELS
from components.pop.priority_classes import PLATFORM_CRITICAL
from declarations.vendored_artifacts import VendoredArtifact, vendored_artifact

ARTIFACT = "amazon-eks-pod-identity-webhook"
NAME = "pod-identity-webhook"
"""Upstream's name for every object (ServiceAccount, Deployment, Service, webhook configuration)."""
IMAGE_REPOSITORY = "public.ecr.aws/eks/amazon-eks-pod-identity-webhook"
ANNOTATION_PREFIX = IRSA_ROLE_ANNOTATION.split("/")[0]
WEBHOOK_PORT = 9443
METRICS_PORT = 9999
"""main.go:58 `--metrics-port` default; plain HTTP /metrics."""
SERVICE_PORT = 443
CERT_SECRET = "pod-identity-webhook-cert"
"""The Secret upstream's Deployment mounts at /etc/webhook/certs (deploy/deployment-base.yaml)."""
SELF_SIGNED_ISSUER = "pod-identity-webhook-selfsigned"
SA_LOOKUP_GRACE = "500ms"
SKIP_LABEL = f"{ANNOTATION_PREFIX}/skip-pod-identity-webhook"
"""Upstream's objectSelector: pods carrying this label are never mutated (deploy/mutatingwebhook.yaml)."""
FAILURE_POLICY = "Fail"
TIMEOUT_SECONDS = 10
REPLICAS = 2
DROPPED_RULE_RESOURCES = frozenset({"certificatesigningrequests"})
"""ClusterRole rules for `--in-cluster=true` only."""
APP_LABELS = {"app": NAME}
"""Upstream's selector labels (deploy/deployment-base.yaml, service.yaml)."""
RESTRICTED_CONTAINER_SECURITY = {
    "allowPrivilegeEscalation": False, "capabilities": {"drop": ["ALL"]}, "readOnlyRootFilesystem": True,
    "runAsNonRoot": True, "runAsUser": 65532, "runAsGroup": 65532, "seccompProfile": {"type": "RuntimeDefault"},
}
"""The image's Dockerfile sets no USER (root): the restricted standard needs a non-root uid given here."""


def image(artifact: VendoredArtifact) -> str:
    return f"{IMAGE_REPOSITORY}:{artifact.tag}"


def webhook_flags(namespace: str, aws_region: str) -> list[str]:
    """The webhook's command line (see the module docstring for each flag's source line)."""
    return [
        "/webhook",
        "--in-cluster=false",
        f"--namespace={namespace}",
        f"--service-name={NAME}",
        f"--annotation-prefix={ANNOTATION_PREFIX}",
        f"--token-audience={STS_AUDIENCE}",
        "--sts-regional-endpoint=true",
        f"--aws-default-region={aws_region}",
        f"--port={WEBHOOK_PORT}",
        f"--metrics-port={METRICS_PORT}",
        "--tls-cert=/etc/webhook/certs/tls.crt",
        "--tls-key=/etc/webhook/certs/tls.key",
        "--tls-min-version=1.2",
        f"--service-account-lookup-grace-period={SA_LOOKUP_GRACE}",
        "--logtostderr",
    ]


def service_dns_names(namespace: str) -> list[str]:
    """The names main.go:289-296 puts in its own certificate request; the API server calls `<svc>.<ns>.svc`."""
    return [NAME, f"{NAME}.{namespace}", f"{NAME}.{namespace}.svc", f"{NAME}.{namespace}.svc.cluster.local"]


def _deployment(obj: dict[str, Any], artifact: VendoredArtifact, namespace: str, aws_region: str) -> dict[str, Any]:
    obj["spec"]["replicas"] = REPLICAS
    template = obj["spec"]["template"]
    template["metadata"]["labels"] = {**template["metadata"].get("labels", {}), **APP_LABELS}
    pod = template["spec"]
    pod["automountServiceAccountToken"] = True  # it watches ServiceAccounts through the API server
    pod["priorityClassName"] = PLATFORM_CRITICAL.name
    pod["securityContext"] = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
    pod["topologySpreadConstraints"] = [{
        "maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway",
        "labelSelector": {"matchLabels": dict(APP_LABELS)},
    }]
    [container] = pod["containers"]
    container["image"] = image(artifact)
    container["imagePullPolicy"] = "IfNotPresent"
    container["command"] = webhook_flags(namespace, aws_region)
    container["ports"] = [{"name": "https", "containerPort": WEBHOOK_PORT, "protocol": "TCP"},
                          {"name": "metrics", "containerPort": METRICS_PORT, "protocol": "TCP"}]
    container["readinessProbe"] = {"httpGet": {"path": "/healthz", "port": "https", "scheme": "HTTPS"},
                                   "periodSeconds": 10}
    container["securityContext"] = copy.deepcopy(RESTRICTED_CONTAINER_SECURITY)
    container["resources"] = {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}}
    return obj


def _certificate(obj: dict[str, Any], namespace: str) -> dict[str, Any]:
    spec = obj["spec"]
    spec["commonName"] = f"{NAME}.{namespace}.svc"
    spec["dnsNames"] = service_dns_names(namespace)
    spec["issuerRef"] = {"name": SELF_SIGNED_ISSUER, "kind": "Issuer", "group": "cert-manager.io"}
    return obj


def _webhook_configuration(obj: dict[str, Any], namespace: str, excluded_namespaces: tuple[str, ...]) -> dict[str, Any]:
    obj["metadata"]["annotations"] = {"cert-manager.io/inject-ca-from": f"{namespace}/{NAME}"}
    for hook in obj["webhooks"]:
        hook["clientConfig"]["service"].update({"namespace": namespace, "port": SERVICE_PORT})
        hook["failurePolicy"] = FAILURE_POLICY
        hook["timeoutSeconds"] = TIMEOUT_SECONDS
        hook["namespaceSelector"] = {"matchExpressions": [
            {"key": "kubernetes.io/metadata.name", "operator": "NotIn", "values": sorted({namespace, *excluded_namespaces})},
        ]}
        for expression in hook["objectSelector"]["matchExpressions"]:
            if expression["operator"] in ("Exists", "DoesNotExist"):
                expression.pop("values", None)  # the API server refuses values with these operators
    return obj


def render(upstream: list[dict[str, Any]], artifact: VendoredArtifact, namespace: str, aws_region: str,
           excluded_namespaces: tuple[str, ...]) -> list[dict[str, Any]]:
    """Upstream's objects (deploy/ at the tag, in provenance order) with the fixes of the module docstring:
    what the platform applies, in that order. Pure: objects in, objects out."""
    out: list[dict[str, Any]] = []
    for original in upstream:
        obj = copy.deepcopy(original)
        kind, metadata = obj["kind"], obj.setdefault("metadata", {})
        if kind in ("Role", "RoleBinding"):
            continue  # Secrets for the in-cluster serving certificate (--in-cluster=true only)
        if kind == "ClusterIssuer":
            obj["kind"] = "Issuer"
            metadata["name"] = SELF_SIGNED_ISSUER
        if kind not in ("ClusterRole", "ClusterRoleBinding", "MutatingWebhookConfiguration"):
            metadata["namespace"] = namespace
        metadata["labels"] = {**metadata.get("labels", {}), **PLATFORM_LABELS, **APP_LABELS}
        if kind == "ServiceAccount":
            obj["automountServiceAccountToken"] = False
        elif kind == "ClusterRole":
            obj["rules"] = [r for r in obj["rules"] if not DROPPED_RULE_RESOURCES.intersection(r["resources"])]
        elif kind == "ClusterRoleBinding":
            for subject in obj["subjects"]:
                subject["namespace"] = namespace
        elif kind == "Deployment":
            _deployment(obj, artifact, namespace, aws_region)
        elif kind == "Certificate":
            _certificate(obj, namespace)
        elif kind == "Service":
            metadata.pop("annotations", None)
            obj["spec"]["ports"] = [{"name": "https", "port": SERVICE_PORT, "targetPort": "https", "protocol": "TCP"}]
        elif kind == "MutatingWebhookConfiguration":
            _webhook_configuration(obj, namespace, excluded_namespaces)
        out.append(obj)
    return out


def disruption_budget(namespace: str) -> dict[str, Any]:
    """Ours, not upstream's: with failurePolicy Fail, a drain must leave one replica answering."""
    return {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget",
            "metadata": {"name": NAME, "namespace": namespace, "labels": {**PLATFORM_LABELS, **APP_LABELS}},
            "spec": {"minAvailable": 1, "selector": {"matchLabels": dict(APP_LABELS)}}}


def upstream_objects(artifact: VendoredArtifact) -> list[dict[str, Any]]:
    """The objects of the vendored `deploy/` manifests, in provenance order (main.go is vendored for its flags)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return [doc for file in artifact.files if file.source_path.startswith("deploy/")
            for doc in yaml.load_all(file.read_bytes(), Loader=loader) if isinstance(doc, dict)]


def webhook_objects(namespace: str, aws_region: str, excluded_namespaces: tuple[str, ...]) -> list[dict[str, Any]]:
    """What adopt mode applies: the rendered upstream install, then the disruption budget."""
    artifact = vendored_artifact(ARTIFACT)
    return [*render(upstream_objects(artifact), artifact, namespace, aws_region, excluded_namespaces),
            disruption_budget(namespace)]


_TYPED: dict[str, Any] = {
    "ServiceAccount": k8s.core.v1.ServiceAccount,
    "ClusterRole": k8s.rbac.v1.ClusterRole,
    "ClusterRoleBinding": k8s.rbac.v1.ClusterRoleBinding,
    "Deployment": k8s.apps.v1.Deployment,
    "Service": k8s.core.v1.Service,
    "MutatingWebhookConfiguration": k8s.admissionregistration.v1.MutatingWebhookConfiguration,
    "PodDisruptionBudget": k8s.policy.v1.PodDisruptionBudget,
}
"""Core kinds as their typed resources; cert-manager's kinds are CustomResources."""
_ORDER = ("ServiceAccount", "ClusterRole", "ClusterRoleBinding", "Issuer", "Certificate", "Service", "Deployment",
          "PodDisruptionBudget", "MutatingWebhookConfiguration")
"""Create order: the webhook configuration last, once a ready Deployment serves it (Pulumi awaits a
Deployment's rollout); before that, a Fail policy would refuse every pod the selector matches."""


def _resource(obj: dict[str, Any], opts: pulumi.ResourceOptions) -> pulumi.CustomResource:
    kind = obj["kind"]
    logical = f"pop-pod-identity-{kind.lower()}"
    if kind in _TYPED:
        fields = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
        if kind == "ServiceAccount":
            fields["automount_service_account_token"] = fields.pop("automountServiceAccountToken")
        if kind == "ClusterRoleBinding":
            fields["role_ref"] = fields.pop("roleRef")
        return _TYPED[kind](logical, **fields, opts=opts)
    # Schema: vendor/schemas/cert-manager.io/<kind>_v1.json
    return k8s.apiextensions.CustomResource(logical, api_version=obj["apiVersion"], kind=kind,
                                            metadata=obj["metadata"], spec=obj["spec"], opts=opts)


def install_pod_identity_webhook(namespace: str, aws_region: str, excluded_namespaces: tuple[str, ...],
                                 opts: pulumi.ResourceOptions) -> list[pulumi.CustomResource]:
    """Every object of `webhook_objects`, each waiting for the ones before it in `_ORDER`; the last one
    (the webhook configuration) is what IRSA workloads wait for."""
    objects = sorted(webhook_objects(namespace, aws_region, excluded_namespaces), key=lambda o: _ORDER.index(o["kind"]))
    created: list[pulumi.CustomResource] = []
    for obj in objects:
        created.append(_resource(obj, pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(depends_on=list(created)))))
    return created
