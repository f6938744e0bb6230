//! The sandbox against AWS's own service models, with botocore (the AWS CLI's library) as an
//! independent client: `tests/sandbox_conformance.py` calls every served operation, checks each
//! parsed response against the model's output shape, and triggers each modelled error. Fails
//! when python3 or botocore is missing and `CI` is set; skips with a line otherwise.

use restore_doctor::sandbox::{
    SANDBOX_ACCESS_KEY_ID, SANDBOX_SECRET_ACCESS_KEY, Sandbox, SandboxConfig,
};

fn botocore_available() -> bool {
    std::process::Command::new("python3")
        .args(["-c", "import botocore.session, botocore.validate"])
        .output()
        .is_ok_and(|out| out.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_operation_conforms_to_the_aws_service_models() {
    if !crate::common::peer_present("python3 with botocore", botocore_available()) {
        return;
    }
    let sandbox = Sandbox::start(SandboxConfig::default()).await.unwrap();
    let url = sandbox.url();
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/sandbox_conformance.py");
    let out = tokio::task::spawn_blocking(move || {
        std::process::Command::new("python3")
            .args([
                script,
                &url,
                SANDBOX_ACCESS_KEY_ID,
                SANDBOX_SECRET_ACCESS_KEY,
            ])
            .env("AWS_CONFIG_FILE", "/dev/null")
            .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
            .env("AWS_EC2_METADATA_DISABLED", "true")
            .output()
            .unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("42 operations called, 0 failures"),
        "{stdout}"
    );
}
