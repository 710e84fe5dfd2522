/** The slice of EC2 the failover program touches: which ENI holds the VIP, where the Elastic IP points. */
export interface Ec2State {
  /** Secondary private IP → ENI. */
  privateIps: Map<string, string>;
  address: { allocationId: string; publicIp: string; eni?: string; privateIp?: string };
  /** Route table → destination CIDR → ENI (the overlay IP's routes). */
  routes?: Map<string, Map<string, string>>;
}

export interface Ec2Call {
  at: number;
  action: string;
  params: Record<string, string>;
  /** The HTTP status the stand-in answered with. */
  status?: number;
}

const xml = (action: string, body: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<${action}Response xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>chaos-${Date.now()}</requestId>${body}</${action}Response>`;

/** Applies one EC2 Query API call to the state and answers it in EC2's XML. */
export function answer(
  state: Ec2State,
  action: string,
  p: Record<string, string>,
): { status: number; body: string } {
  if (action === 'DescribeNetworkInterfaces') {
    const eni = p['NetworkInterfaceId.1'];
    const ips = [...state.privateIps].filter(([, e]) => e === eni).map(([ip]) => ip);
    const items = ips.map(
      (ip) => `<item><privateIpAddress>${ip}</privateIpAddress><primary>false</primary></item>`,
    );
    return {
      status: 200,
      body: xml(
        action,
        `<networkInterfaceSet><item><networkInterfaceId>${eni}</networkInterfaceId><privateIpAddressesSet>${items.join('')}</privateIpAddressesSet></item></networkInterfaceSet>`,
      ),
    };
  }
  if (action === 'AssignPrivateIpAddresses') {
    state.privateIps.set(p['PrivateIpAddress.1'], p.NetworkInterfaceId);
    return { status: 200, body: xml(action, '<return>true</return>') };
  }
  if (action === 'DescribeAddresses') {
    const a = state.address;
    const assoc = a.eni
      ? `<networkInterfaceId>${a.eni}</networkInterfaceId><privateIpAddress>${a.privateIp}</privateIpAddress><associationId>eipassoc-1</associationId>`
      : '';
    return {
      status: 200,
      body: xml(
        action,
        `<addressesSet><item><publicIp>${a.publicIp}</publicIp><allocationId>${a.allocationId}</allocationId><domain>vpc</domain>${assoc}</item></addressesSet>`,
      ),
    };
  }
  if (action === 'AssociateAddress') {
    state.address = { ...state.address, eni: p.NetworkInterfaceId, privateIp: p.PrivateIpAddress };
    return {
      status: 200,
      body: xml(action, '<return>true</return><associationId>eipassoc-1</associationId>'),
    };
  }
  if (action === 'DescribeRouteTables' && state.routes) {
    const ids = Object.keys(p)
      .filter((k) => k.startsWith('RouteTableId.'))
      .map((k) => p[k]!);
    const tables = ids.map((id) => {
      const routes = [...(state.routes!.get(id) ?? new Map<string, string>())].map(
        ([cidr, eni]) =>
          `<item><destinationCidrBlock>${cidr}</destinationCidrBlock><networkInterfaceId>${eni}</networkInterfaceId><state>active</state></item>`,
      );
      return `<item><routeTableId>${id}</routeTableId><routeSet>${routes.join('')}</routeSet></item>`;
    });
    return { status: 200, body: xml(action, `<routeTableSet>${tables.join('')}</routeTableSet>`) };
  }
  if ((action === 'CreateRoute' || action === 'ReplaceRoute') && state.routes) {
    const table = state.routes.get(p.RouteTableId!) ?? new Map<string, string>();
    const exists = table.has(p.DestinationCidrBlock!);
    if (exists === (action === 'CreateRoute')) {
      const code = exists ? 'RouteAlreadyExists' : 'InvalidRoute.NotFound';
      return {
        status: 400,
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>${code}</Code><Message>${code}</Message></Error></Errors><RequestID>chaos</RequestID></Response>`,
      };
    }
    table.set(p.DestinationCidrBlock!, p.NetworkInterfaceId!);
    state.routes.set(p.RouteTableId!, table);
    return { status: 200, body: xml(action, '<return>true</return>') };
  }
  return {
    status: 400,
    body: `<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>InvalidAction</Code><Message>${action}</Message></Error></Errors><RequestID>chaos</RequestID></Response>`,
  };
}
