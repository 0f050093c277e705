"""xm/xl info, xend-config.sxp and xl.conf (analyzer/facts/toolstack.py)."""

from analyzer.facts import toolstack

XM_INFO_33 = """\
host                   : xenhost1.example.com
release                : 2.6.18-128.el5xen
version                : #1 SMP Wed Dec 17 11:42:39 EST 2008
machine                : x86_64
nr_cpus                : 8
nr_nodes               : 1
cores_per_socket       : 4
threads_per_core       : 1
cpu_mhz                : 2493
hw_caps                : bfebfbff:20100800:00000000:00000140:0008e3fd:00000000:00000001
virt_caps              : hvm
total_memory           : 8190
free_memory            : 6913
node_to_cpu            : node0:0-7
node_to_memory         : node0:6913
xen_major              : 3
xen_minor              : 3
xen_extra              : .1
xen_caps               : xen-3.0-x86_64 xen-3.0-x86_32p hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64
xen_scheduler          : credit
xen_pagesize           : 4096
platform_params        : virt_start=0xffff800000000000
xen_changeset          : unavailable
cc_compiler            : gcc version 4.1.2 20080704 (Red Hat 4.1.2-44)
cc_compile_by          : mockbuild
cc_compile_domain      : redhat.com
cc_compile_date        : Wed Dec 17 11:37:15 EST 2008
xend_config_format     : 4
"""

XL_INFO_411 = """\
host                   : xen4
release                : 4.19.0-6-amd64
version                : #1 SMP Debian 4.19.67-2+deb10u2 (2019-11-11)
machine                : x86_64
nr_cpus                : 4
max_cpu_id             : 3
nr_nodes               : 1
cores_per_socket       : 4
threads_per_core       : 1
cpu_mhz                : 3292.374
virt_caps              : hvm hvm_directio
total_memory           : 16269
free_memory            : 7858
sharing_freed_memory   : 0
sharing_used_memory    : 0
outstanding_claims     : 0
free_cpus              : 0
xen_major              : 4
xen_minor              : 11
xen_extra              : .3-pre
xen_version            : 4.11.3-pre
xen_caps               : xen-3.0-x86_64 xen-3.0-x86_32p hvm-3.0-x86_32 hvm-3.0-x86_32p hvm-3.0-x86_64
xen_scheduler          : credit
xen_pagesize           : 4096
platform_params        : virt_start=0xffff800000000000
xen_changeset          :
xen_commandline        : placeholder dom0_mem=4096M,max:4096M no-real-mode edd=off
cc_compiler            : gcc (Debian 8.3.0-6) 8.3.0
cc_compile_by          : pkg-xen-devel
cc_compile_domain      : lists.alioth.debian.org
cc_compile_date        : Fri Dec  6 16:08:19 UTC 2019
build_id               : 8b6a2ec2e3ff6e4b1c5a2dfb0d7e5b8d1ef0c3b2
xend_config_format     : 4
"""

XEND_CONFIG = """\
# -*- sh -*-

#
# Xend configuration file.
#

# This example configuration is appropriate for an installation that
# utilizes a bridged network configuration. Access to xend via http
# is disabled.

#(xend-http-server no)
(xend-unix-server yes)
(xend-relocation-server no)

## Use the following if network traffic is routed, as an alternative
# to the settings for bridged networking given above.
#(network-script network-route)
#(vif-script     vif-route)

(network-script network-bridge)
(vif-script vif-bridge)

# dom0-min-mem is the lowest permissible memory level (in MB) for dom0.
# This is a minimum both for auto-ballooning (as enabled by
# enable-dom0-ballooning below) and for xm mem-set when applied to dom0.
(dom0-min-mem 196)

# Whether to enable auto-ballooning of dom0 to allow domUs to be created.
# If enable-dom0-ballooning = no, dom0 will never balloon out.
(enable-dom0-ballooning yes)

# In SMP system, dom0 will use dom0-cpus # of CPUS
# If dom0-cpus = 0, dom0 will take all cpus available
(dom0-cpus 0)
"""

XL_CONF = """\
## Global XL config file ##

# Control whether dom0 is ballooned down when xen doesn't have enough
# free memory to create a domain.  "auto" means only balloon if dom0
# starts with all the host's memory.
#autoballoon="auto"
autoballoon="off"

# full path of the lockfile used by xl during domain creation
#lockfile="/var/lock/xl"
"""


def test_xm_info_xen_33():
    facts = toolstack.parse_info(XM_INFO_33)
    assert facts["ram_mib"].value == 8190
    assert facts["ram_mib"].line == 12
    assert facts["ram_mib"].text == "total_memory           : 8190"
    assert facts["free_memory_mib"].value == 6913
    assert facts["xen"].value == "3.3.1"
    assert facts["kernel"].value == "2.6.18-128.el5xen"
    assert facts["hostname"].value == "xenhost1.example.com"
    assert "xen_cmdline" not in facts  # xm info before 3.4 does not show it


def test_xl_info_xen_4():
    facts = toolstack.parse_info(XL_INFO_411)
    assert facts["ram_mib"].value == 16269
    assert facts["xen"].value == "4.11.3-pre"
    assert facts["xen_cmdline"].value == (
        "placeholder dom0_mem=4096M,max:4096M no-real-mode edd=off")
    assert facts["xen_cmdline"].line == 27


def test_xm_info_error_output():
    text = "Error: Unable to connect to xend: No such file or directory. Is xend running?\n"
    assert toolstack.parse_info(text) == {}


def test_xend_config_with_comments():
    facts = toolstack.parse_xend_config(XEND_CONFIG)
    assert facts["dom0_min_mem_mib"].value == 196
    assert facts["dom0_min_mem_mib"].line == 26
    assert facts["dom0_ballooning"].value is True
    assert facts["dom0_ballooning"].text == "(enable-dom0-ballooning yes)"


def test_xend_config_ballooning_rules():
    no = XEND_CONFIG.replace("(enable-dom0-ballooning yes)", "(enable-dom0-ballooning no)")
    assert toolstack.parse_xend_config(no)["dom0_ballooning"].value is False
    # <= 3.2: no enable-dom0-ballooning; dom0-min-mem 0 means never balloon
    old = XEND_CONFIG.replace("(enable-dom0-ballooning yes)", "").replace(
        "(dom0-min-mem 196)", "(dom0-min-mem 0)")
    facts = toolstack.parse_xend_config(old)
    assert facts["dom0_ballooning"].value is False and facts["dom0_min_mem_mib"].value == 0
    floor = XEND_CONFIG.replace("(enable-dom0-ballooning yes)", "")
    assert toolstack.parse_xend_config(floor)["dom0_ballooning"].value is True
    # both commented out: xend's defaults (dom0-min-mem 0) mean no ballooning
    bare = XEND_CONFIG.replace("(enable-dom0-ballooning yes)", "#(enable-dom0-ballooning yes)")
    bare = bare.replace("(dom0-min-mem 196)", "#(dom0-min-mem 196)")
    facts = toolstack.parse_xend_config(bare)
    assert "dom0_min_mem_mib" not in facts
    assert facts["dom0_ballooning"].value is False and facts["dom0_ballooning"].line is None


def test_xl_conf():
    f = toolstack.parse_xl_conf(XL_CONF)["autoballoon"]
    assert (f.value, f.line) == ("off", 7)
    old_form = toolstack.parse_xl_conf("autoballoon=1  # Xen 4.1 boolean form\n")
    assert old_form["autoballoon"].value == "1"
    assert toolstack.parse_xl_conf('#autoballoon="auto"\n') == {}
