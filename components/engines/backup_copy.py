"""The copy step of a Job-based restore: pick one backup of the source service and copy it under the new one.

Engines whose operator restores only from the instance's own backup location (DragonflyDB loads the newest
snapshot named after itself, Vitess tablets restore the newest backup under `<root>/<keyspace>/<shard>`) are
restored by copying one of the source's backups, inside the tenant bucket, to where the new instance looks,
before the new instance starts. Every such copy has the same shape, so the script is built here once and each
engine only says how its backups are listed (one id per line: a snapshot stamp, a backup directory) and how
one is copied. The Job runs `aws` as the tenant ServiceAccount (IRSA: the tenant role reaches only the tenant
bucket and key), so a copy can never read another tenant's backups.
"""

from __future__ import annotations

from declarations.tenant_model import LATEST_BACKUP

AWS_CLI_IMAGE = "docker.io/amazon/aws-cli:2.22.35"
"""aws s3 for the copy, authenticated through the tenant ServiceAccount (IRSA)."""


def pick_backup(backup: str, noun: str, subject: str, where: str) -> str:
    """sh that sets `id` to the backup to restore from `ids` (one per line, any order; ids sort in time order):
    the last one for `backup: latest`, else `backup` itself, which must be one of them. It exits 1 with a message
    naming `where` (an sh word, e.g. "$src") when there is none, so the Job (and the `pulumi up`) fails."""
    if backup == LATEST_BACKUP:
        return ("id=$(printf '%s\\n' \"$ids\" | sort | tail -n 1)\n"
                f"[ -n \"$id\" ] || {{ echo \"no {noun} of {subject} under {where}\" >&2; exit 1; }}")
    # BACKUP_ID (tenant_model) admits no quote, space or `$`, so the id is safe inside single quotes.
    return (f"id='{backup}'\n"
            "printf '%s\\n' \"$ids\" | grep -qxF \"$id\" || "
            f"{{ echo \"{noun} $id of {subject} not found under {where}\" >&2; exit 1; }}")


def copy_backup_script(*, source_prefix: str, target_prefix: str, backup: str, noun: str, subject: str,
                       listing: str, copy: str) -> str:
    """A POSIX sh script that copies one backup from `s3://$BUCKET/<source_prefix>/` to `.../<target_prefix>/`.

    `listing` is sh that sets `ids` to the source's complete backups, one id per line (see pick_backup); it may
    read `$src`. `copy` is sh that copies the backup `$id` from `$src` to `$dst`.
    """
    return "\n".join([
        "set -eu",
        f'src="s3://$BUCKET/{source_prefix}/"',
        f'dst="s3://$BUCKET/{target_prefix}/"',
        listing,
        pick_backup(backup, noun, subject, "$src"),
        copy,
    ])
