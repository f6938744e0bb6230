//! TEMPORARY type-check shim (never committed).
#![allow(missing_docs, dead_code)]
pub const SANDBOX_ACCESS_KEY_ID: &str = "x";
pub const SANDBOX_SECRET_ACCESS_KEY: &str = "x";
pub const SANDBOX_REGION: &str = "us-east-1";
#[derive(Debug, Clone, Default)]
pub struct FaultSpec {
    pub throttle: f64,
    pub error: f64,
    pub reset: f64,
}
impl std::str::FromStr for FaultSpec {
    type Err = String;
    fn from_str(_: &str) -> Result<Self, String> {
        Ok(Self::default())
    }
}
#[derive(Debug, Clone, Default)]
pub struct SandboxConfig {
    pub scenario: String,
    pub extra_jobs: usize,
    pub latency_ms: u64,
    pub faults: FaultSpec,
    pub seed: u64,
    pub port: u16,
}
#[derive(Debug)]
pub struct SandboxError;
impl std::fmt::Display for SandboxError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("x")
    }
}
pub struct Sandbox;
impl Sandbox {
    pub async fn start(_: SandboxConfig) -> Result<Sandbox, SandboxError> {
        Err(SandboxError)
    }
    pub fn url(&self) -> String {
        String::new()
    }
    pub async fn shutdown(self) {}
}
pub async fn serve_forever(_: SandboxConfig) -> Result<(), SandboxError> {
    Err(SandboxError)
}
