"""What a kernel release string says about Xen: a xenlinux Dom0 kernel, or pvops/mainline.

    Linux version 2.6.18-128.el5xen (brewbuilder@hs20-bc2-3.build.redhat.com) ...

The classic "xenlinux" kernels (the Xen 3.x sparse tree and its forward ports: RHEL/CentOS 5
``el5xen``, SLES/openSUSE ``-xen``, Debian etch/lenny ``-xen-*``, Ubuntu hardy ``-xen`` and the
SUSE-derived ``-ec2``, XenServer ``...xen``) read ``swiotlb=<N>`` as **megabytes** of aperture;
pvops/mainline kernels read it as a count of **2 KiB slabs** (``swiotlb=65536`` = 128 MiB).
"""

from __future__ import annotations

import re

SWIOTLB_XENLINUX = "MiB (xenlinux)"
SWIOTLB_MAINLINE = "2 KiB slabs (pvops/mainline)"

VERSION_RE = re.compile(r"^(?P<major>\d+)\.(?P<minor>\d+)(?:\.(?P<patch>\d+))?")
#: release strings of xenlinux builds after 2.6.31: SUSE "3.0.101-63-xen", RHEL "el5xen",
#: XenServer "2.6.32.43-0.4.1.xs1.8.0.835.170778xen" (Debian's pvops "-xen-amd64" does not match)
XENLINUX_SUFFIX_RE = re.compile(r"(?:-xen|\dxen)$", re.IGNORECASE)
#: Ubuntu's SUSE-derived EC2 kernels (2.6.x "-ec2") are xenlinux too
EC2_RE = re.compile(r"-ec2$", re.IGNORECASE)


def kernel_tuple(release: str) -> tuple[int, int, int] | None:
    """``"2.6.18-128.el5xen"`` -> ``(2, 6, 18)``; None when it does not start with a version."""
    m = VERSION_RE.match(release.strip())
    if m is None:
        return None
    return int(m["major"]), int(m["minor"]), int(m["patch"] or 0)


def is_xen_kernel(release: str) -> bool:
    """Whether the release names a Xen kernel flavour (``xen`` anywhere in it)."""
    return "xen" in release.lower()


def is_xenlinux(release: str) -> bool:
    """Whether this is a classic xenlinux (non-pvops) Xen kernel.

    >>> is_xenlinux("2.6.18-128.el5xen"), is_xenlinux("2.6.32-5-xen-amd64"), is_xenlinux("3.0.101-63-xen")
    (True, False, True)
    """
    rel = release.strip()
    version = kernel_tuple(rel)
    if EC2_RE.search(rel) and version is not None and version < (3, 0, 0):
        return True
    if not is_xen_kernel(rel):
        return False
    if version is not None and version < (2, 6, 32):
        return True
    return XENLINUX_SUFFIX_RE.search(rel) is not None


def swiotlb_units(release: str | None) -> str | None:
    """How this kernel reads ``swiotlb=``: :data:`SWIOTLB_XENLINUX`, :data:`SWIOTLB_MAINLINE`, or
    None when the kernel is unknown."""
    if not release:
        return None
    return SWIOTLB_XENLINUX if is_xenlinux(release) else SWIOTLB_MAINLINE
