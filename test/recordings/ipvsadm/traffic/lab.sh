#!/bin/bash
# The traffic lab behind traffic.json (made by test/ipvsadm/record-traffic.ts, replayed by
# src/lb/ipvsadm/traffic.test.ts). It runs INSIDE the kernel VM only (src/lab/vm runInVm, no network
# device): every namespace and address is the VM's. A client namespace c, a director d (kernel IPVS,
# NAT) and two real servers r1, r2. Everything the replay needs is written to $OUT:
#   netns.tsv      when d (and so its IPVS, with its 2 s estimator timer) was created
#   setup.tsv      each ipvsadm setup line: start, end, exit status, arguments
#   marks.tsv      the iptables MARK rule the fwmark service relies on
#   dc.pcap, dr1.pcap, dr2.pcap   every packet on the director's three interfaces
#   listings.tsv + N.out   each listing: start, end, exit status, arguments; its stdout
set -u
OUT=$1
now() { date +%s.%N; }
for m in ip_vs ip_vs_rr ip_vs_wlc veth; do modprobe $m; done
t0=$(now); ip netns add d; t1=$(now); echo "d	$t0	$t1" > $OUT/netns.tsv
for n in c r1 r2; do ip netns add $n; done
for n in c d r1 r2; do ip -n $n link set lo up; done
ip link add c0 netns c type veth peer name dc netns d
ip -n c addr add 192.168.1.2/24 dev c0; ip -n c link set c0 up; ip -n c route add default via 192.168.1.1
ip -n d addr add 192.168.1.1/24 dev dc; ip -n d addr add 192.168.1.112/32 dev dc; ip -n d link set dc up
i=0; for r in r1 r2; do i=$((i+1))
  ip link add e0 netns $r type veth peer name d$r netns d
  ip -n d addr add 10.0.$i.1/24 dev d$r; ip -n d link set d$r up
  ip -n $r addr add 10.0.$i.1$i/24 dev e0; ip -n $r link set e0 up; ip -n $r route add default via 10.0.$i.1
  mkdir -p /tmp/www-$r; echo $r > /tmp/www-$r/index.html
  ip netns exec $r busybox httpd -p 80 -h /tmp/www-$r
  ip netns exec $r node -e "const s=require('dgram').createSocket('udp4');s.on('message',(m,r)=>s.send('$r',r.port,r.address));s.bind(9999);setTimeout(()=>process.exit(0),120000)" &
  PIDS="${PIDS:-} $!"
done
ip netns exec d sysctl -qw net.ipv4.ip_forward=1
ip netns exec d iptables -t mangle -A PREROUTING -d 192.168.1.112 -p tcp --dport 81 -j MARK --set-mark 7
printf 'tcp\t192.168.1.112\t81\t7\n' > $OUT/marks.tsv
# the captures start before the first service exists
for ifc in dc dr1 dr2; do
  ip netns exec d tcpdump -i $ifc -n -U -w $OUT/$ifc.pcap 2>$OUT/tcpdump-$ifc.log &
  CAPS="${CAPS:-} $!"
done
for k in $(seq 50); do [ "$(cat $OUT/tcpdump-*.log | grep -c 'listening on')" -ge 3 ] && break; sleep 0.2; done
D() { local a=$(now); ip netns exec d ipvsadm "$@"; local rc=$?; echo "$a	$(now)	$rc	$*" >> $OUT/setup.tsv; }
D -A -t 192.168.1.112:80 -s rr
D -a -t 192.168.1.112:80 -r 10.0.1.11:80 -m
D -a -t 192.168.1.112:80 -r 10.0.2.12:80 -m -w 2
D -A -u 192.168.1.112:9999 -s rr
D -a -u 192.168.1.112:9999 -r 10.0.1.11:9999 -m
D -a -u 192.168.1.112:9999 -r 10.0.2.12:9999 -m
D -A -t 192.168.1.112:8080 -s rr -p 300
D -a -t 192.168.1.112:8080 -r 10.0.1.11:80 -m
D -a -t 192.168.1.112:8080 -r 10.0.2.12:80 -m
D -A -f 7 -s rr -p 120
D -a -f 7 -r 10.0.1.11:80 -m
D -a -f 7 -r 10.0.2.12:80 -m
sleep 2
C="ip netns exec c"
for k in 1 2 3 4; do $C curl -s -m 3 http://192.168.1.112/ ; done
for k in 1 2; do $C curl -s -m 3 http://192.168.1.112:8080/ ; done
$C node -e "
const d=require('dgram');let n=0;
for (const p of [40001,40002,40003]) { const s=d.createSocket('udp4'); s.bind(p,()=>{s.send('x',9999,'192.168.1.112'); s.on('message',m=>{console.log(p,String(m)); s.close(); if(++n===3) process.exit(0)}); setTimeout(()=>process.exit(0),5000)}); }"
# nothing listens on :81, so these two are refused (RST): the fwmark service's connections close at once
for k in 1 2; do $C curl -s -m 3 http://192.168.1.112:81/ ; done
# past one estimator period, so --stats shows every packet; --rate first, while the rates of the
# last traffic are not yet decayed to 0
sleep 3
n=0
L() { n=$((n+1)); local a=$(now); ip netns exec d ipvsadm "$@" > $OUT/$n.out; local rc=$?; echo "$a	$(now)	$rc	$*" >> $OUT/listings.tsv; }
L -Ln --rate
L -Ln --rate --exact
L -Lnc
L -Lnc --persistent-conn
L -Ln
L -Ln --stats
L -Ln --stats --exact
L -Ln --persistent-conn
L -Ln --thresholds
kill -INT $CAPS 2>/dev/null; wait $CAPS 2>/dev/null
ip netns exec d ipvsadm -C
kill $PIDS 2>/dev/null
for r in r1 r2; do kill $(ip netns pids $r) 2>/dev/null; done
for n in c d r1 r2; do ip netns del $n; done
exit 0
