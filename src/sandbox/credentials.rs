//! The access keys the sandbox issues. Any other key is refused as AWS refuses a key it never
//! issued, so a shell still pointing `AWS_ENDPOINT_URL` at a sandbox never shows demo data as
//! if it were a real account.

/// The access key ID `--demo` signs with: the scenario's admin (its first user without a key of
/// its own).
pub const SANDBOX_ACCESS_KEY_ID: &str = "AKIASANDBOXADMIN0001";
/// The matching secret (signatures are not verified; it only has to be present).
pub const SANDBOX_SECRET_ACCESS_KEY: &str = "sandbox-secret-access-key-not-a-real-one";
/// An access key whose session has expired: every call gets `ExpiredToken`, for the error path.
pub const EXPIRED_ACCESS_KEY_ID: &str = "AKIASANDBOXEXPIRED01";
/// The sandbox's region.
pub const SANDBOX_REGION: &str = "us-east-1";
