//! In-process figures for the diagnosis core: token extraction, decoded-message parsing,
//! diagnosis and policy merge. Run with `cargo bench --bench diagnosis`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use restore_doctor::diagnosis::merge::{ROLE_INLINE_QUOTA, merge};
use restore_doctor::diagnosis::token::extract_token;
use restore_doctor::diagnosis::{DecodedMessage, Scope, diagnose};
use serde_json::json;
use std::hint::black_box;

const ARTICLE: &str = include_str!("../assets/examples/backup-passrole-implicit-deny.json");

fn status_message() -> String {
    let token: String = (0..1400)
        .map(|i| {
            b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"[i % 64] as char
        })
        .collect();
    format!(
        "You are not authorized to perform this operation. Please consult the permissions associated with your AWS Backup role(s), and refer to the AWS Backup documentation for more details. Encoded authorization failure message: {token}"
    )
}

fn benches(c: &mut Criterion) {
    let message = status_message();
    let mut group = c.benchmark_group("diagnosis");
    group.throughput(Throughput::Elements(1));
    group.bench_function("extract_token", |b| {
        b.iter(|| extract_token(black_box(&message)))
    });
    group.bench_function("parse_decoded", |b| {
        b.iter(|| DecodedMessage::parse(black_box(ARTICLE)))
    });
    let parsed = DecodedMessage::parse(ARTICLE).expect("the shipped example parses");
    group.bench_function("diagnose_with_verification", |b| {
        b.iter(|| diagnose(black_box(&parsed), Scope::Exact))
    });
    let existing = json!({"Version": "2012-10-17", "Statement": (0..20).map(|i| json!({"Sid": format!("S{i}"), "Effect": "Allow", "Action": "s3:GetObject", "Resource": format!("arn:aws:s3:::bucket{i}/*")})).collect::<Vec<_>>()});
    let statement = json!({"Sid": "New", "Effect": "Allow", "Action": "iam:PassRole", "Resource": "arn:aws:iam::111122223333:role/X"});
    group.bench_function("merge_into_20_statements", |b| {
        b.iter(|| {
            merge(
                Some(black_box(&existing)),
                black_box(&statement),
                0,
                ROLE_INLINE_QUOTA,
            )
        })
    });
    group.finish();
}

criterion_group!(diagnosis, benches);
criterion_main!(diagnosis);
