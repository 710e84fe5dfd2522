import { chooseNlbStandIn } from '../../../../runtime/local/nlb';
import { kernelSupport } from '../netns/kernel-support';

describe('chooseNlbStandIn', () => {
  it('keeps the kernel balancer in a process already re-executed into a namespace', () => {
    expect(chooseNlbStandIn({ WSLB_NETNS: 'wslb-cluster-1-abcdef' })).toEqual({
      kind: 'kernel',
      namespace: 'wslb-cluster-1-abcdef',
    });
  });

  it('falls back to haproxy-tcp, with the reason, exactly when namespaces are unavailable', () => {
    expect(chooseNlbStandIn({})).toEqual(
      kernelSupport.available ? { kind: 'kernel' } : { kind: 'haproxy-tcp', reason: kernelSupport.reason },
    );
    const spy = jest.spyOn(process, 'getuid').mockReturnValue(1000);
    try {
      expect(chooseNlbStandIn({})).toEqual({
        kind: 'haproxy-tcp',
        reason: 'not root (network namespaces need root)',
      });
    } finally {
      spy.mockRestore();
    }
  });
});
