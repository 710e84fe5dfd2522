import { SecretValue, Validations } from 'aws-cdk-lib';
import * as secretsmanager from 'aws-cdk-lib/aws-secretsmanager';
import { Construct } from 'constructs';

/**
 * The auth service's user list (scrypt hashes), created empty as `{"users":{}}`; operators add users
 * with a script after deploy. The initial value holds nothing secret, so a plain-text value is honest.
 */
export class UsersSecret extends Construct {
  readonly secret: secretsmanager.Secret;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.secret = new secretsmanager.Secret(this, 'Secret', {
      description: 'wslb auth users (scrypt hashes); starts empty',
      secretStringValue: SecretValue.unsafePlainText(JSON.stringify({ users: {} })),
    });
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason: 'It holds password hashes operators maintain, not a credential AWS could rotate.',
    });
  }
}
