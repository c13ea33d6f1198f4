//! The synthetic data generator behind `postsale demo`.
