package dev.cohort.trainer.internal.config;

/** A realistic configuration that gives every key. */
final class FullFile {

    static final String YAML = """
            # GRPO on the addition task, a small GPT-2 trained from scratch
            model: tiny
            tokenizer: char
            tokenizer_alphabet: "0123456789+= "
            dataset: builtin:addition
            dataset_prompt_field: question
            dataset_train_split: train
            dataset_test_split: validation
            dataset_answer_field: solution
            dataset_answer_format: gsm8k
            system_prompt: "Think, then answer after ####."
            apply_chat_template: true
            chat_template_kwargs:
              enable_thinking: false
            eval_dataset: builtin:addition-eval
            eval_samples: 200

            reward_funcs:
              - exact_match
              - length_penalty
            reward_weights: [1.0, 0.1]
            reward_timeout_ms: 5000
            reward_failure: fail
            reward_wait_ms: 0

            rollout_engine: embedded
            num_generations: 4
            max_prompt_length: 32
            max_completion_length: 8
            temperature: 0.9
            top_p: 0.95
            top_k: 50
            min_p: 0.05

            learning_rate: 3e-4
            lr_scheduler_type: cosine
            warmup_steps: 20
            weight_decay: 0.01
            adam_beta1: 0.9
            adam_beta2: 0.95
            adam_epsilon: 1.0e-8
            max_grad_norm: 0.5
            per_device_train_batch_size: 16
            gradient_accumulation_steps: 2
            gradient_checkpointing: true

            adapter: lora
            lora_r: 16
            lora_alpha: 32
            lora_dropout: 0.05
            lora_target_modules: [q_proj, v_proj]
            use_rslora: true

            beta: 0.04
            epsilon: 0.2
            epsilon_high: 0.28
            loss_type: dr_grpo
            scale_rewards: batch
            multi_objective_aggregation: normalize_then_sum
            importance_sampling_level: sequence
            mask_truncated_completions: true
            num_iterations: 2

            vllm_importance_sampling_correction: true
            vllm_importance_sampling_mode: token_truncate
            vllm_importance_sampling_cap: 2.0
            off_policy_mask_threshold: 0.5
            async_prefetch: false               # (true is not yet allowed with adapter: lora)
            prefetch_depth: 2
            max_staleness: 2
            weight_sync_steps: 2

            backend: java
            cuda_matmul: tf32
            output_dir: /tmp/cohort-runs
            run_name: addition-tiny
            save_steps: 100
            save_dtype: bfloat16
            logging_steps: 5
            report_to: [tensorboard]
            max_steps: 1000
            seed: 1234

            plugins:
              dev.cohort.trace:
                path: traces/addition.jsonl
                every: 10
              dev.cohort.reward.length:
                target: 6
                scale: 0.5
                enabled: true
                stop: ["\\n", "="]
            """;

    private FullFile() {}
}
