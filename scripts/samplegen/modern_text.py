"""Long verbatim texts of xl-modern01: a Linux 6.1 OOM report, an allocation failure, xl.conf.

    qemu-system-i38 invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), ...

The reports follow the 6.1 ``dump_header``/``warn_alloc`` layout (see xen-messages.md 4.3-4.4);
xl.conf is Debian's shipped file with every option commented out (``#autoballoon="auto"``).
"""

OOM_REPORT = """qemu-system-i38 invoked oom-killer: gfp_mask=0x140cca(GFP_HIGHUSER_MOVABLE|__GFP_COMP), order=0, oom_score_adj=0
CPU: 2 PID: 1187 Comm: qemu-system-i38 Not tainted 6.1.0-12-amd64 #1  Debian 6.1.52-1
Hardware name: Dell Inc. PowerEdge R440/0XP8V5, BIOS 2.17.1 11/15/2022
Call Trace:
 <TASK>
 dump_stack_lvl+0x44/0x5c
 dump_header+0x4a/0x211
 oom_kill_process.cold+0xb/0x10
 out_of_memory+0x1fd/0x4c0
 __alloc_pages_slowpath.constprop.0+0xcc6/0xe30
 __alloc_pages+0x305/0x330
 folio_alloc+0x17/0x50
 __filemap_get_folio+0x155/0x340
 filemap_fault+0x139/0x910
 __do_fault+0x30/0xf0
 do_fault+0x1b6/0x3d0
 __handle_mm_fault+0x665/0xbb0
 handle_mm_fault+0xdb/0x2d0
 do_user_addr_fault+0x191/0x550
 exc_page_fault+0x70/0x170
 asm_exc_page_fault+0x22/0x30
RIP: 0033:0x7f3c0a8d1b2e
Code: Unable to access opcode bytes at 0x7f3c0a8d1b04.
RSP: 002b:00007ffd9a1e7c48 EFLAGS: 00010246
 </TASK>
Mem-Info:
active_anon:9617 inactive_anon:33868 isolated_anon:0
 active_file:41 inactive_file:18 isolated_file:0
 unevictable:0 dirty:0 writeback:0
 slab_reclaimable:6215 slab_unreclaimable:19873
 mapped:63 shmem:1201 pagetables:1322
 sec_pagetables:0 bounce:0
 kernel_misc_reclaimable:0
 free:1794 free_pcp:62 free_cma:0
Node 0 active_anon:38468kB inactive_anon:135472kB active_file:164kB inactive_file:72kB unevictable:0kB isolated(anon):0kB isolated(file):0kB mapped:252kB dirty:0kB writeback:0kB shmem:4804kB shmem_thp: 0kB shmem_pmdmapped: 0kB anon_thp: 0kB writeback_tmp:0kB kernel_stack:4416kB pagetables:5288kB sec_pagetables:0kB all_unreclaimable? yes
Node 0 DMA free:0kB boost:0kB min:0kB low:0kB high:0kB reserved_highatomic:0KB active_anon:0kB inactive_anon:0kB active_file:0kB inactive_file:0kB unevictable:0kB writepending:0kB present:3968kB managed:0kB mlocked:0kB bounce:0kB free_pcp:0kB local_pcp:0kB free_cma:0kB
lowmem_reserve[]: 0 1734 15701 15701 15701
Node 0 DMA32 free:4520kB boost:0kB min:4632kB low:5788kB high:6944kB reserved_highatomic:0KB active_anon:12280kB inactive_anon:60124kB active_file:96kB inactive_file:8kB unevictable:0kB writepending:0kB present:1832440kB managed:145632kB mlocked:0kB bounce:0kB free_pcp:112kB local_pcp:0kB free_cma:0kB
lowmem_reserve[]: 0 0 13966 13966 13966
Node 0 Normal free:2656kB boost:0kB min:2764kB low:3452kB high:4140kB reserved_highatomic:0KB active_anon:26188kB inactive_anon:75348kB active_file:68kB inactive_file:64kB unevictable:0kB writepending:0kB present:14680064kB managed:241376kB mlocked:0kB bounce:0kB free_pcp:136kB local_pcp:4kB free_cma:0kB
lowmem_reserve[]: 0 0 0 0 0
Node 0 DMA: 0*4kB 0*8kB 0*16kB 0*32kB 0*64kB 0*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 0kB
Node 0 DMA32: 234*4kB (UME) 151*8kB (UME) 65*16kB (UME) 14*32kB (UM) 0*64kB 0*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 4520kB
Node 0 Normal: 310*4kB (UME) 112*8kB (UME) 28*16kB (UM) 2*32kB (U) 0*64kB 0*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 2656kB
1260 total pagecache pages
0 pages in swap cache
Free swap  = 0kB
Total swap = 0kB
4126232 pages RAM
0 pages HighMem/MovableOnly
4027011 pages reserved
0 pages hwpoisoned
Tasks state (memory values in pages):
[  pid  ]   uid  tgid total_vm      rss pgtables_bytes swapents oom_score_adj name
[    402]     0   402    12396      211   110592        0          -250 systemd-journal
[    917]     0   917     4311       98    69632        0             0 xenstored
[    934]     0   934    25871      163    86016        0             0 xenconsoled
[   1021]     0  1021     3858      150    73728        0         -1000 sshd
[   1187]     0  1187   154023    37711   516096        0             0 qemu-system-i38
[   1204]   105  1204    19831      187    61440        0             0 ntpd
oom-kill:constraint=CONSTRAINT_NONE,nodemask=(null),cpuset=/,mems_allowed=0,global_oom,task_memcg=/system.slice/xen-qemu-dom0-disk-backend.service,task=qemu-system-i38,pid=1187,uid=0
Out of memory: Killed process 1187 (qemu-system-i38) total-vm:616092kB, anon-rss:150844kB, file-rss:0kB, shmem-rss:0kB, UID:0 pgtables:504kB oom_score_adj:0"""

ALLOC_FAILURE = """warn_alloc: 14 callbacks suppressed
ksoftirqd/3: page allocation failure: order:2, mode:0x820(GFP_ATOMIC|__GFP_COMP), nodemask=(null),cpuset=/,mems_allowed=0
CPU: 3 PID: 33 Comm: ksoftirqd/3 Not tainted 6.1.0-12-amd64 #1  Debian 6.1.52-1
Hardware name: Dell Inc. PowerEdge R440/0XP8V5, BIOS 2.17.1 11/15/2022
Call Trace:
 <TASK>
 dump_stack_lvl+0x44/0x5c
 warn_alloc+0x137/0x160
 __alloc_pages_slowpath.constprop.0+0xcc6/0xe30
 __alloc_pages+0x305/0x330
 __kmalloc_large_node+0x76/0x120
 __kmalloc_node_track_caller+0x125/0x150
 kmalloc_reserve+0x3b/0xc0
 __alloc_skb+0x81/0x160
 __netdev_alloc_skb+0x41/0x170
 tg3_poll_work+0x6e7/0xe40 [tg3]
 tg3_poll+0x67/0x100 [tg3]
 __napi_poll+0x2b/0x160
 net_rx_action+0x29e/0x350
 __do_softirq+0xc5/0x2c8
 run_ksoftirqd+0x2a/0x40
 smpboot_thread_fn+0xd3/0x170
 kthread+0xd7/0x100
 ret_from_fork+0x22/0x30
 </TASK>
Mem-Info:
active_anon:9744 inactive_anon:34102 isolated_anon:0
 active_file:389 inactive_file:402 isolated_file:0
 free:3105 free_pcp:201 free_cma:0
Node 0 DMA32: 488*4kB (UME) 190*8kB (UME) 12*16kB (UM) 0*32kB 0*64kB 0*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 3664kB
Node 0 Normal: 1250*4kB (UME) 488*8kB (UME) 0*16kB 0*32kB 0*64kB 0*128kB 0*256kB 0*512kB 0*1024kB 0*2048kB 0*4096kB = 8904kB
2390 total pagecache pages
Free swap  = 0kB
Total swap = 0kB
4126232 pages RAM"""

XL_CONF = """## Global XL config file ##

# Set domain-id policy. "xen" means that the hypervisor will choose the
# id of a new domain. "random" means that a random value will be chosen.
#domid_policy="xen"

# Control whether dom0 is ballooned down when xen doesn't have enough
# free memory to create a domain.  "auto" means only balloon if dom0
# starts with all the host's memory.
#autoballoon="auto"

# full path of the lockfile used by xl during domain creation
#lockfile="/var/lock/xl"

# default output format used by "xl list -l"
#output_format="json"

# first block device to be used for temporary VM disk images
#blkdev_start="xvda"

# default option to run hotplug scripts from xl
# if disabled the old behaviour will be used, and hotplug scripts will be
# launched by udev.
#run_hotplug_scripts=1

# default backend domain to connect guest vifs to.  This can be any
# valid domain identifier.
#vif.default.backend="0"

# default gateway device to use with vif-route hotplug script
#vif.default.gatewaydev="eth0"

# default vif script to use if none is specified in the guest config
#vif.default.script="vif-bridge"

# default bridge device to use with vif-bridge hotplug scripts
#vif.default.bridge="xenbr0"

# Reserve a claim of memory when launching a guest. This guarantees immediate
# feedback whether the guest can be launched due to memory exhaustion
# (which can take a long time to find out if launching huge guests).
# see xl.conf(5) for details.
#claim_mode=1
"""
