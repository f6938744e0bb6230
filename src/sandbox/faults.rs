//! Fault injection for resilience tests: the `--faults` spec and the per-request draw.
//!
//! Every request draws once from a seeded RNG *before* anything is read or written, so a faulted
//! write is never half applied, and the same seed gives the same sequence of faults.

use std::str::FromStr;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

/// Shares of requests that get each fault, e.g. `throttle=0.2,error=0.05,reset=0.01`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FaultSpec {
    /// Share answered with the protocol's throttling error.
    pub throttle: f64,
    /// Share answered with a 500 internal error.
    pub error: f64,
    /// Share whose connection is dropped without a response.
    pub reset: f64,
}

impl FaultSpec {
    /// True when no fault can happen.
    pub fn is_none(&self) -> bool {
        self.throttle == 0.0 && self.error == 0.0 && self.reset == 0.0
    }
}

impl FromStr for FaultSpec {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let mut spec = FaultSpec::default();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let Some((key, value)) = part.split_once('=') else {
                return Err(format!(
                    "fault \"{part}\" is not KEY=SHARE (e.g. throttle=0.2,error=0.05,reset=0.01)"
                ));
            };
            let share: f64 = value.trim().parse().map_err(|_| {
                format!(
                    "fault share \"{}\" for {} is not a number",
                    value.trim(),
                    key.trim()
                )
            })?;
            if !(0.0..=1.0).contains(&share) {
                return Err(format!(
                    "fault share {share} for {} must be between 0 and 1",
                    key.trim()
                ));
            }
            match key.trim() {
                "throttle" => spec.throttle = share,
                "error" => spec.error = share,
                "reset" => spec.reset = share,
                other => {
                    return Err(format!(
                        "unknown fault \"{other}\": use throttle, error or reset"
                    ));
                }
            }
        }
        if spec.throttle + spec.error + spec.reset > 1.0 {
            return Err("fault shares add up to more than 1".into());
        }
        Ok(spec)
    }
}

/// `--hold-reply OPERATION=MILLIS`: the named operation is carried out as usual, then its reply
/// is held back this long. It stands for an endpoint that froze after a write (the write landed,
/// the answer did not come), and lets tests stop a client between a write and its journal line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoldReply {
    /// The operation whose replies are held (`PutRolePolicy`).
    pub operation: String,
    /// How long, in milliseconds.
    pub millis: u64,
}

impl FromStr for HoldReply {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let (operation, millis) = text.split_once('=').ok_or_else(|| {
            format!("\"{text}\" is not OPERATION=MILLIS (e.g. PutRolePolicy=10000)")
        })?;
        let operation = operation.trim();
        if operation.is_empty() || !operation.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Err(format!(
                "\"{operation}\" is not an operation name such as PutRolePolicy"
            ));
        }
        let millis = millis
            .trim()
            .parse()
            .map_err(|_| format!("\"{}\" is not a number of milliseconds", millis.trim()))?;
        Ok(HoldReply {
            operation: operation.to_string(),
            millis,
        })
    }
}

/// What a request gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// Served normally.
    None,
    /// The protocol's throttling error.
    Throttle,
    /// A 500.
    InternalError,
    /// The connection is dropped without a response.
    Reset,
}

/// The seeded source of faults, shared by all connections.
#[derive(Debug)]
pub struct FaultDice {
    spec: FaultSpec,
    rng: std::sync::Mutex<StdRng>,
}

impl FaultDice {
    /// Dice for `spec`, deterministic for `seed`.
    pub fn new(spec: FaultSpec, seed: u64) -> Self {
        Self {
            spec,
            rng: std::sync::Mutex::new(StdRng::seed_from_u64(seed)),
        }
    }

    /// Draws the fault for the next request.
    pub fn roll(&self) -> Fault {
        if self.spec.is_none() {
            return Fault::None;
        }
        // A poisoned lock only means another request panicked mid-draw; the RNG is still usable.
        let draw: f64 = match self.rng.lock() {
            Ok(mut rng) => rng.random(),
            Err(poisoned) => poisoned.into_inner().random(),
        };
        pick(&self.spec, draw)
    }
}

fn pick(spec: &FaultSpec, draw: f64) -> Fault {
    if draw < spec.throttle {
        Fault::Throttle
    } else if draw < spec.throttle + spec.error {
        Fault::InternalError
    } else if draw < spec.throttle + spec.error + spec.reset {
        Fault::Reset
    } else {
        Fault::None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_spec() {
        let spec: FaultSpec = "throttle=0.2,error=0.05,reset=0.01".parse().unwrap();
        assert_eq!(
            spec,
            FaultSpec {
                throttle: 0.2,
                error: 0.05,
                reset: 0.01
            }
        );
        assert_eq!("".parse::<FaultSpec>().unwrap(), FaultSpec::default());
        assert_eq!("error=1".parse::<FaultSpec>().unwrap().error, 1.0);
    }

    #[test]
    fn rejects_bad_specs_with_a_reason() {
        assert!(
            "slow=0.1"
                .parse::<FaultSpec>()
                .unwrap_err()
                .contains("unknown fault")
        );
        assert!(
            "throttle=lots"
                .parse::<FaultSpec>()
                .unwrap_err()
                .contains("not a number")
        );
        assert!(
            "reset=1.5"
                .parse::<FaultSpec>()
                .unwrap_err()
                .contains("between 0 and 1")
        );
        assert!(
            "error=-0.1"
                .parse::<FaultSpec>()
                .unwrap_err()
                .contains("between 0 and 1")
        );
        assert!(
            "throttle"
                .parse::<FaultSpec>()
                .unwrap_err()
                .contains("KEY=SHARE")
        );
        assert!("throttle=0.6,error=0.6".parse::<FaultSpec>().is_err());
    }

    #[test]
    fn same_seed_same_faults_and_shares_roughly_hold() {
        let spec: FaultSpec = "throttle=0.2,error=0.1,reset=0.1".parse().unwrap();
        let a = FaultDice::new(spec.clone(), 7);
        let b = FaultDice::new(spec, 7);
        let rolls_a: Vec<Fault> = (0..1000).map(|_| a.roll()).collect();
        let rolls_b: Vec<Fault> = (0..1000).map(|_| b.roll()).collect();
        assert_eq!(rolls_a, rolls_b);
        let throttled = rolls_a.iter().filter(|f| **f == Fault::Throttle).count();
        assert!((150..250).contains(&throttled), "{throttled}");
        let none = FaultDice::new(FaultSpec::default(), 1);
        assert!((0..100).all(|_| none.roll() == Fault::None));
    }

    proptest::proptest! {
        #[test]
        fn parsing_never_panics_and_accepts_only_shares(text in ".*") {
            if let Ok(spec) = text.parse::<FaultSpec>() {
                proptest::prop_assert!(spec.throttle + spec.error + spec.reset <= 1.0);
            }
        }
    }
}
