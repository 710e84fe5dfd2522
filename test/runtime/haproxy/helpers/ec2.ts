import { EC2Client } from '@aws-sdk/client-ec2';

/** A real client class (sends are stubbed by aws-sdk-client-mock) that could reach no endpoint anyway. */
export function fakeEc2Client(): EC2Client {
  return new EC2Client({
    region: 'eu-west-1',
    credentials: { accessKeyId: 'AKIDTEST', secretAccessKey: 'test-secret' },
    endpoint: 'http://127.0.0.1:9',
    maxAttempts: 1,
  });
}

/** An SDK-shaped error: `name` is what EC2 returns as the error code. */
export function ec2Error(name: string, status = 400): Error {
  return Object.assign(new Error(`${name} (fake)`), { name, $metadata: { httpStatusCode: status } });
}
