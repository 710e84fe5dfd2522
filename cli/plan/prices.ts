/**
 * AWS list prices `wslb plan` assumes: on-demand, USD, per region, as published on the AWS pricing pages on
 * the date given. Not a quote: prices change, and discounts, free tiers and savings plans are left out.
 * Add a region by copying a table from those pages (every field is required).
 */
export interface PriceTable {
  readonly region: string;
  /** The date these were the list prices (YYYY-MM-DD). */
  readonly asOf: string;
  /** Linux on-demand, USD per instance-hour, by instance type. */
  readonly ec2Hourly: Readonly<Record<string, number>>;
  /** gp3 storage, USD per GB-month. */
  readonly ebsGp3GbMonth: number;
  /** A public IPv4 address (in use or not), USD per hour. */
  readonly publicIpv4Hourly: number;
  /** Network Load Balancer, USD per hour, and per NLCU-hour. */
  readonly nlbHourly: number;
  readonly nlcuHourly: number;
  /** Interface VPC endpoint, USD per endpoint per AZ per hour. */
  readonly interfaceEndpointAzHourly: number;
  /** Lambda on Arm (Graviton), USD per GB-second and per million requests. */
  readonly lambdaArmGbSecond: number;
  readonly lambdaRequestsPerMillion: number;
  /** DynamoDB on-demand, USD per million write / read request units. */
  readonly dynamoDbWriteUnitsPerMillion: number;
  readonly dynamoDbReadUnitsPerMillion: number;
  /** Secrets Manager, USD per secret-month and per 10,000 API calls. */
  readonly secretMonthly: number;
  readonly secretCallsPer10k: number;
  /** Data transfer out to the internet, USD per GB (first 10 TB a month). */
  readonly dataOutGb: number;
  /** Where each figure was read. */
  readonly sources: readonly string[];
}

/** Hours in the month the estimate uses (AWS's own pricing examples use 730). */
export const HOURS_PER_MONTH = 730;

const US_EAST_1: PriceTable = {
  region: 'us-east-1',
  asOf: '2025-06-01',
  ec2Hourly: {
    't4g.micro': 0.0084,
    't4g.small': 0.0168,
    't4g.medium': 0.0336,
    't4g.large': 0.0672,
    't4g.xlarge': 0.1344,
    't4g.2xlarge': 0.2688,
    'c7g.medium': 0.0363,
    'c7g.large': 0.0725,
    'c7g.xlarge': 0.145,
    'c7g.2xlarge': 0.29,
    'c7g.4xlarge': 0.58,
    'c7gn.medium': 0.0624,
    'c7gn.large': 0.1248,
    'c7gn.xlarge': 0.2496,
    'c7gn.2xlarge': 0.4992,
    'c7gn.4xlarge': 0.9984,
    'm7g.medium': 0.0408,
    'm7g.large': 0.0816,
    'm7g.xlarge': 0.1632,
    'm7g.2xlarge': 0.3264,
    'm7g.4xlarge': 0.6528,
  },
  ebsGp3GbMonth: 0.08,
  publicIpv4Hourly: 0.005,
  nlbHourly: 0.0225,
  nlcuHourly: 0.006,
  interfaceEndpointAzHourly: 0.01,
  lambdaArmGbSecond: 0.0000133334,
  lambdaRequestsPerMillion: 0.2,
  dynamoDbWriteUnitsPerMillion: 0.625,
  dynamoDbReadUnitsPerMillion: 0.125,
  secretMonthly: 0.4,
  secretCallsPer10k: 0.05,
  dataOutGb: 0.09,
  sources: [
    'https://aws.amazon.com/ec2/pricing/on-demand/',
    'https://aws.amazon.com/ebs/pricing/',
    'https://aws.amazon.com/vpc/pricing/ (public IPv4 addresses; interface endpoints: PrivateLink pricing)',
    'https://aws.amazon.com/elasticloadbalancing/pricing/',
    'https://aws.amazon.com/lambda/pricing/',
    'https://aws.amazon.com/dynamodb/pricing/on-demand/',
    'https://aws.amazon.com/secrets-manager/pricing/',
    'https://aws.amazon.com/ec2/pricing/on-demand/ (data transfer)',
  ],
};

export const PRICE_TABLES: Readonly<Record<string, PriceTable>> = { 'us-east-1': US_EAST_1 };
export const PRICED_REGIONS = Object.keys(PRICE_TABLES);
