"""Kernel release classification (analyzer/facts/kernel.py)."""

import pytest

from analyzer.facts.kernel import (
    SWIOTLB_MAINLINE, SWIOTLB_XENLINUX, is_xen_kernel, is_xenlinux, kernel_tuple, swiotlb_units,
)


@pytest.mark.parametrize("release, xenlinux", [
    ("2.6.18-128.el5xen", True),  # RHEL/CentOS 5
    ("2.6.18-274.7.1.el5xen", True),
    ("2.6.16.60-0.21-xen", True),  # SLES 10
    ("3.0.101-63-xen", True),  # SLES 11 SP4
    ("2.6.26-2-xen-amd64", True),  # Debian lenny (forward-ported xenlinux)
    ("2.6.24-19-xen", True),  # Ubuntu hardy
    ("2.6.32-312-ec2", True),  # Ubuntu SUSE-derived EC2 kernel
    ("2.6.32.43-0.4.1.xs1.8.0.835.170778xen", True),  # XenServer 6.2 (real dmesg)
    ("2.6.32-5-xen-amd64", False),  # Debian squeeze: pvops
    ("4.19.0-6-amd64", False),
    ("5.4.0-97-generic", False),
    ("2.6.18-128.el5", False),
])
def test_is_xenlinux(release, xenlinux):
    assert is_xenlinux(release) is xenlinux
    assert swiotlb_units(release) == (SWIOTLB_XENLINUX if xenlinux else SWIOTLB_MAINLINE)


def test_helpers():
    assert swiotlb_units(None) is None
    assert kernel_tuple("2.6.18-128.el5xen") == (2, 6, 18)
    assert kernel_tuple("5.4") == (5, 4, 0)
    assert kernel_tuple("unknown") is None
    assert is_xen_kernel("2.6.32-5-xen-amd64") and not is_xen_kernel("4.19.0-6-amd64")


def test_docstring_examples():
    import doctest

    import analyzer.facts.kernel as kernel

    assert doctest.testmod(kernel).failed == 0
