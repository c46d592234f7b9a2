// Credentials as STS returns them, independent of the SDK's types: what an IMDS credentials answer carries.
export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  expiration: Date;
}
