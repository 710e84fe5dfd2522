import { HaproxyMissingError } from '../../../../runtime/haproxy/agent/haproxy-binary';
import { parseShowProc } from '../../../../runtime/haproxy/agent/master-cli';
import { groupByNode, parseShowStat } from '../../../../runtime/haproxy/agent/stats';

describe('parsers for the HAProxy CLI', () => {
  it('reads show proc, old workers included', () => {
    const text = [
      '#<PID>          <type>          <reloads>       <uptime>        <version>',
      '11536           master          1 [failed: 0]   0d00h00m05s     2.6.12-1+deb12u4',
      '# workers',
      '11561           worker          0               0d00h00m01s     2.6.12-1+deb12u4',
      '11545           worker          1               0d00h00m05s     2.6.12-1+deb12u4',
      '# programs',
      '',
    ].join('\n');
    expect(parseShowProc(text)).toEqual([
      { pid: 11536, type: 'master', reloads: 1, failedReloads: 0 },
      { pid: 11561, type: 'worker', reloads: 0 },
      { pid: 11545, type: 'worker', reloads: 1 },
    ]);
  });

  it('reads the backend server rows of show stat and groups them by node', () => {
    const csv = [
      '# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status',
      'ws_in,FRONTEND,,,7,9,9000,9,0,0,0,0,0,,,,,OPEN',
      'ws_nodes,n1-s1,0,0,3,3,28232,3,0,0,,0,,0,0,0,0,UP',
      'ws_nodes,n1-s2,0,0,2,2,28232,2,0,0,,0,,0,0,0,0,UP',
      'ws_nodes,n2-s1,0,0,2,2,28232,2,0,0,,0,,0,0,0,0,DOWN',
      'ws_nodes,BACKEND,0,0,7,7,900,7,0,0,0,0,,0,0,0,0,UP',
      '',
    ].join('\n');
    const rows = parseShowStat(csv);
    expect(rows).toEqual([
      { server: 'n1-s1', current: 3, status: 'UP' },
      { server: 'n1-s2', current: 2, status: 'UP' },
      { server: 'n2-s1', current: 2, status: 'DOWN' },
    ]);
    expect(groupByNode({ 'n1-s1': 3, 'n1-s2': 2, 'n2-s1': 2 })).toEqual({ n1: 5, n2: 2 });
  });

  it('a missing haproxy says how to install it', () => {
    expect(new HaproxyMissingError().message).toMatch(/apt-get install -y haproxy.*dnf install -y haproxy/);
  });
});
